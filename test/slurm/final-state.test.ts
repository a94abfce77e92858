import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { finalState } from '../../runner/slurm/commands.js';
import { repo } from '../runner/helpers.js';
import { tmp } from '../helpers/files.js';

// scontrol and sacct replaced by scripts that print output recorded from a real Slurm 22.05 cluster
// (test/fixtures/slurm/README.md says how), so the fallback for purged jobs is tested without purging any.
const fixtures = path.join(repo, 'test', 'fixtures', 'slurm');

function fakeSlurm(scontrolKnowsJobs: boolean): void {
  const bin = tmp('fake-slurm-');
  const scontrol = scontrolKnowsJobs
    ? `cat '${path.join(fixtures, 'scontrol-show-job.txt')}'`
    : `echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1`;
  // Like sacct -j, print only the lines of the asked-for job.
  const sacct = `for a; do id=$a; done; grep "^$id|" '${path.join(fixtures, 'sacct-c.txt')}'; true`;
  fs.writeFileSync(path.join(bin, 'scontrol'), `#!/bin/sh\n${scontrol}\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'sacct'), `#!/bin/sh\n${sacct}\n`, { mode: 0o755 });
  process.env['PATH'] = `${bin}:${process.env['PATH']}`;
}

test.serial('a finished job known to slurmctld: state, reason and exit status from scontrol show job -o', async (t) => {
  const path0 = process.env['PATH'];
  fakeSlurm(true);
  try {
    t.deepEqual(await finalState('128'), { state: 'FAILED', reason: 'NonZeroExitCode', exitCode: 3, signal: 0 });
  } finally {
    process.env['PATH'] = path0;
  }
});

test.serial('a purged job: state and exit status from the job-completion record (sacct -c)', async (t) => {
  const path0 = process.env['PATH'];
  fakeSlurm(false);
  try {
    t.deepEqual(await finalState('128'), { state: 'FAILED', reason: '', exitCode: 3, signal: 0 });
    t.deepEqual(await finalState('131'), { state: 'FAILED', reason: '', exitCode: 0, signal: 9 });
    t.deepEqual(await finalState('129'), { state: 'CANCELLED', reason: '', exitCode: 0, signal: 0 });
    t.deepEqual(await finalState('130'), { state: 'COMPLETED', reason: '', exitCode: 0, signal: 0 });
    t.is(await finalState('12'), undefined, 'a job neither knows');
  } finally {
    process.env['PATH'] = path0;
  }
});
