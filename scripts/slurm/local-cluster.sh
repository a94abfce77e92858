#!/bin/bash
# A single-node Slurm 22.05 cluster on localhost, for tests and CI (Debian 12, no systemd needed).
#
#   scripts/slurm/local-cluster.sh start    install (if needed), configure and start munged, slurmctld, slurmd;
#                                           waits until a test job completes. A no-op when already healthy.
#   scripts/slurm/local-cluster.sh stop     cancel all jobs, stop the daemons this script started
#   scripts/slurm/local-cluster.sh status   daemons, node state, jobs
#
# Run as root. Environment: PIPE_SLURM_CPUS (CPUs advertised to Slurm, default 8, may exceed the cores).
# The settings and why each matters: see the comments in write_config.
set -euo pipefail

RUN_DIR=/run/slurm-ci            # PID files and the record of what this script started (owned by slurm)
CONF=/etc/slurm/slurm.conf
LOG_DIR=/var/log/slurm
MUNGE_PID=/run/munge/munged.pid
CPUS=${PIPE_SLURM_CPUS:-8}
TIMEOUT_S=60

say() { printf 'local-cluster: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root"

# Runs a command detached from the caller: new session, no inherited descriptors besides a log on stderr.
# A daemon holding an inherited pipe would keep `start | tee` waiting for EOF forever.
detached() {
  local log=$1
  shift
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
    done
    exec setsid "$@" </dev/null >/dev/null 2>>"$log"
  )
}

# Waits until "$@" succeeds, polling every 0.2 s; fails after TIMEOUT_S naming $what.
wait_for() {
  local what=$1
  shift
  local end=$((SECONDS + TIMEOUT_S))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || die "timed out after ${TIMEOUT_S}s waiting for $what"
    sleep 0.2
  done
}

# PID from a pid file when that process is alive, not a zombie, and named $2 (guards against reused pids).
live_pid() {
  local file=$1 name=$2 pid state
  [ -r "$file" ] || return 1
  pid=$(tr -dc 0-9 2>/dev/null <"$file") || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] || return 1
  state=$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f1)
  [ "$state" != Z ] || return 1
  echo "$pid"
}

# Whether something listens on TCP port $1 (read from /proc, so no extra tools are needed).
port_busy() {
  local hex
  hex=$(printf ':%04X' "$1")
  awk -v p="$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

ours() { [ -f "$RUN_DIR/ours" ] && grep -qx "$1" "$RUN_DIR/ours"; }
mark_ours() { ours "$1" || echo "$1" >>"$RUN_DIR/ours"; }

install_packages() {
  local missing=()
  for p in slurmctld slurmd slurm-client munge; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  say "installing ${missing[*]}"
  # The packages' postinst scripts would start their own daemons, racing with ours: forbid that through
  # policy-rc.d unless the image already does (Docker-style images ship one that exits 101).
  local made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  # shellcheck disable=SC2064
  trap "${made_policy:+rm -f /usr/sbin/policy-rc.d}" EXIT
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}")
  if ! flock /tmp/apt.lock "${apt[@]}" >&2; then
    flock /tmp/apt.lock apt-get -o DPkg::Lock::Timeout=300 update >&2
    flock /tmp/apt.lock "${apt[@]}" >&2
  fi
  if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
  trap - EXIT
}

# slurm.conf for one node named localhost; CPU layout from `slurmd -C`, memory at 95% of what it reports
# (a node claiming more memory than it has is drained), CPUs possibly over-subscribed via config_overrides.
render_config() {
  local hw mem sockets
  hw=$(slurmd -C | head -1)
  mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
  sockets=$(sed -n 's/.*SocketsPerBoard=\([0-9]*\).*/\1/p' <<<"$hw")
  [ -n "$mem" ] && [ -n "$sockets" ] || die "cannot read the node layout from slurmd -C: $hw"
  local cores=$(((CPUS + sockets - 1) / sockets))
  cat <<CONF
# Written by scripts/slurm/local-cluster.sh; a single-node cluster for tests.
ClusterName=pipe-ci
SlurmctldHost=localhost
AuthType=auth/munge
CredType=cred/munge
SlurmUser=slurm
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
# PID files in a slurm-owned directory: slurmctld runs as slurm and must be able to remove its own.
SlurmctldPidFile=$RUN_DIR/slurmctld.pid
SlurmdPidFile=$RUN_DIR/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: works in containers without a delegated cgroup tree.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
# Schedule right after submission or a dependency's release: an afterok hand-off takes ~1 s, not ~3 s.
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
# A job whose afterok dependency failed is cancelled instead of pending forever.
DependencyParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# No slurmdbd: finished jobs are read back with scontrol (for MinJobAge) and sacct -c (the jobcomp file).
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$LOG_DIR/jobcomp.log
MinJobAge=3600
KillWait=5
# Advertise $CPUS CPUs whatever the hardware has, so that several test jobs run at once.
SlurmdParameters=config_overrides
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$((cores * sockets)) Sockets=$sockets CoresPerSocket=$cores ThreadsPerCore=1 RealMemory=$((mem * 95 / 100)) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
}

munge_ok() { munge -n | unmunge; }
ctld_ok() { scontrol ping | grep -q 'is UP'; }
node_state() { sinfo -h -n localhost -o %T 2>/dev/null | head -1; }
node_idle() { case "$(node_state)" in idle | mixed | allocated | completing) return 0 ;; *) return 1 ;; esac; }
healthy() { munge_ok >/dev/null 2>&1 && ctld_ok 2>/dev/null && node_idle; }

start_munge() {
  if munge_ok >/dev/null 2>&1; then return; fi
  [ -f /etc/munge/munge.key ] || { mungekey --create >&2 && chown munge:munge /etc/munge/munge.key && chmod 0600 /etc/munge/munge.key; }
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
  detached "$LOG_DIR/munged.stderr" setpriv --reuid=munge --regid=munge --init-groups munged --pid-file="$MUNGE_PID"
  mark_ours munged
  wait_for munged munge_ok
}

start_slurm() {
  detached "$LOG_DIR/slurmctld.stderr" slurmctld -c
  mark_ours slurmctld
  wait_for slurmctld ctld_ok
  detached "$LOG_DIR/slurmd.stderr" slurmd -N localhost
  mark_ours slurmd
  local end=$((SECONDS + TIMEOUT_S)) resumed=
  until node_idle; do
    case "$(node_state)" in
      drain* | down*) if [ -z "$resumed" ]; then scontrol update NodeName=localhost State=RESUME >&2 || true; resumed=1; fi ;;
    esac
    [ $SECONDS -lt $end ] || die "timed out after ${TIMEOUT_S}s waiting for the node (state: $(node_state)); see $LOG_DIR/slurmd.log"
    sleep 0.2
  done
}

# A trivial job end to end; it also absorbs the first scheduling pass (~3 s after slurmctld starts).
test_job() {
  local id state
  id=$(sbatch --parsable --job-name local-cluster-check --output=/dev/null --wrap true | cut -d';' -f1)
  local end=$((SECONDS + TIMEOUT_S))
  for (( ; ; )); do
    state=$(squeue -h -t all -j "$id" -o %T 2>/dev/null || true)
    [ "$state" = COMPLETED ] && return
    case "$state" in FAILED | CANCELLED | TIMEOUT | NODE_FAIL | BOOT_FAIL | OUT_OF_MEMORY) die "test job $id ended $state" ;; esac
    [ $SECONDS -lt $end ] || die "timed out after ${TIMEOUT_S}s waiting for test job $id (state: ${state:-unknown})"
    sleep 0.2
  done
}

stop_daemon() {
  local name=$1 file=$2 pid
  ours "$name" || return 0
  if pid=$(live_pid "$file" "$name"); then
    kill -TERM "$pid" 2>/dev/null || true
    local end=$((SECONDS + 10))
    while live_pid "$file" "$name" >/dev/null; do
      if [ $SECONDS -ge $end ]; then kill -KILL "$pid" 2>/dev/null || true; break; fi
      sleep 0.1
    done
  fi
  sed -i "/^$name\$/d" "$RUN_DIR/ours"
}

cmd_stop() {
  [ -f "$RUN_DIR/ours" ] || { say "nothing to stop (no daemons were started by this script)"; return; }
  # slurmstepd survives a slurmd stop, so jobs go first.
  if ctld_ok 2>/dev/null; then scancel --quiet "$(squeue -h -o %i | paste -sd, -)" 2>/dev/null || true; fi
  stop_daemon slurmd "$RUN_DIR/slurmd.pid"
  stop_daemon slurmctld "$RUN_DIR/slurmctld.pid"
  stop_daemon munged "$MUNGE_PID"
  say "stopped"
}

cmd_start() {
  local started=$SECONDS
  install_packages
  install -d -o slurm -g slurm -m 0755 "$RUN_DIR" "$LOG_DIR" /var/lib/slurm/slurmctld /var/lib/slurm/slurmd
  local new
  new=$(render_config)
  if healthy && [ "$new" = "$(cat "$CONF" 2>/dev/null)" ]; then
    say "already running"
    return
  fi
  # Daemons this script did not start (a real cluster, a packaged service) are left alone.
  local pid
  for d in slurmctld:6817 slurmd:6818; do
    if ! ours "${d%%:*}" && port_busy "${d##*:}"; then die "port ${d##*:} is in use by a ${d%%:*} this script did not start; refusing to touch a foreign cluster"; fi
  done
  if ! ours munged && munge_ok >/dev/null 2>&1; then say "reusing the running munged"; fi
  # A changed configuration (or a sick cluster) restarts the Slurm daemons this script started.
  stop_daemon slurmd "$RUN_DIR/slurmd.pid"
  stop_daemon slurmctld "$RUN_DIR/slurmctld.pid"
  printf '%s\n' "$new" >"$CONF.tmp" && mv "$CONF.tmp" "$CONF"
  start_munge
  start_slurm
  test_job
  say "ready in $((SECONDS - started))s ($(sinfo -h -o '%D node, %c CPUs, partition %P'))"
}

cmd_status() {
  local rc=0 pid
  for d in munged:$MUNGE_PID slurmctld:$RUN_DIR/slurmctld.pid slurmd:$RUN_DIR/slurmd.pid; do
    if pid=$(live_pid "${d#*:}" "${d%%:*}"); then
      echo "${d%%:*}: running (pid $pid$(ours "${d%%:*}" && echo ', started by this script'))"
    else
      echo "${d%%:*}: not running"
      rc=1
    fi
  done
  if ctld_ok 2>/dev/null; then
    echo "node: $(node_state)"
    squeue -h -o '%i %j %T %r' | sed 's/^/job: /'
  fi
  return $rc
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 {start|stop|status}" >&2; exit 2 ;;
esac
