import fs from 'node:fs';
import path from 'node:path';
import { execaSync } from 'execa';
import { FileLock, type Holder } from '../../runner/locks.js';
import { until } from '../runner/helpers.js';
import { clusterTest, queueOf } from './helpers.js';
import { tmp } from '../helpers/files.js';

const sbatch = (command: string): string =>
  execaSync('sbatch', ['--parsable', '--job-name=pipe-lock-test', '--output=/dev/null', `--wrap=${command}`]).stdout.split(';')[0]!;

/** A lock as a `pipe __exec` on another node would have left it. */
function lockHeldOnNode(file: string, job?: string): void {
  const holder: Holder = { pid: 4242, host: 'compute-7', ...(job ? { job } : {}), since: '2024-01-01T00:00:00Z', what: 'pipe run: stage train' };
  fs.writeFileSync(file, JSON.stringify(holder));
}

clusterTest('a lock held on another node is reclaimed once Slurm reports its job ended, and trusted while the job runs', async (t) => {
  const dir = tmp('pipe-lock-');
  const file = path.join(dir, 'out.lock');
  const finished = sbatch('true');
  const running = sbatch('sleep 120');
  try {
    await until(() => queueOf([finished]).get(finished)?.startsWith('COMPLETED|') === true, 30_000, `job ${finished} to complete`);
    await until(() => queueOf([running]).get(running)?.startsWith('RUNNING|') === true, 30_000, `job ${running} to run`);

    lockHeldOnNode(file, running);
    const busy = FileLock.tryAcquire(file, 'test');
    t.false(busy instanceof FileLock, 'the job still runs: its lock holds');
    t.is((busy as Holder).job, running);

    lockHeldOnNode(file);
    t.false(FileLock.tryAcquire(file, 'test') instanceof FileLock, 'without a job id, a lock from another host is trusted as before');

    lockHeldOnNode(file, finished);
    const got = FileLock.tryAcquire(file, 'test');
    t.true(got instanceof FileLock, 'the job finished: its lock is reclaimed');
    (got as FileLock).release();

    lockHeldOnNode(file, running);
    execaSync('scancel', [running]);
    await until(() => queueOf([running]).get(running)?.startsWith('CANCELLED|') === true, 30_000, `job ${running} to be cancelled`);
    t.true(FileLock.tryAcquire(file, 'test') instanceof FileLock, 'a cancelled job no longer holds its lock');
  } finally {
    execaSync('scancel', [running], { reject: false });
  }
});
