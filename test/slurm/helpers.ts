import test, { type ExecutionContext } from 'ava';
import { execaSync } from 'execa';
import { clusterReachable } from '../../runner/slurm/commands.js';

/** Why the cluster tests cannot run here, or undefined when a Slurm controller answers. */
const missing: string | undefined = (() => {
  if (execaSync('sh', ['-c', 'command -v sbatch'], { reject: false }).exitCode !== 0) return 'sbatch is not installed';
  if (!clusterReachable()) return 'no Slurm controller answers `scontrol ping`';
  return undefined;
})();

const required = process.env['PIPE_REQUIRE_SLURM'] === '1';
if (missing && !required) console.warn(`test/slurm: skipping the cluster tests: ${missing} (start one with scripts/slurm/local-cluster.sh start)`);

type Impl = (t: ExecutionContext) => Promise<void> | void;

/** A test against the real Slurm cluster: skipped when there is none, failing instead with PIPE_REQUIRE_SLURM=1. */
export function clusterTest(title: string, impl: Impl): void {
  if (!missing) test(title, impl);
  else if (required) test(title, (t) => t.fail(`PIPE_REQUIRE_SLURM=1, but ${missing}; start one with scripts/slurm/local-cluster.sh start`));
  else test.skip(title, impl);
}

/** Stage → job id, from the runner's "⧗ STAGE: submitted as Slurm job N" lines. */
export function submittedJobs(stdout: string): Map<string, string> {
  return new Map([...stdout.matchAll(/^⧗ (\S+): submitted as Slurm job (\d+)/gm)].map((m) => [m[1]!, m[2]!]));
}

/** Job id → "STATE|reason", asked from squeue directly. */
export function queueOf(ids: Iterable<string>): Map<string, string> {
  const r = execaSync('squeue', ['-h', '-t', 'all', '-j', [...ids].join(','), '-o', '%i|%T|%r']);
  return new Map(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [id, ...rest] = l.split('|');
        return [id!, rest.join('|')];
      }),
  );
}

/** One field of `scontrol show job -o`. */
export function jobField(id: string, key: string): string | undefined {
  const r = execaSync('scontrol', ['show', 'job', '-o', id]);
  return new RegExp(`(?:^|\\s)${key}=(\\S*)`).exec(r.stdout)?.[1];
}
