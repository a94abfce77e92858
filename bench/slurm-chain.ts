/**
 * What the slurm executor adds on top of Slurm itself: `npx tsx bench/slurm-chain.ts [N]` (default 5, needs
 * the cluster of scripts/slurm/local-cluster.sh). Times a chain of N trivial stages with `pipe run --executor
 * slurm`, the same chain of bare `sbatch --dependency=afterok` jobs polled with squeue (Slurm's own hand-off
 * cost), and the chain run locally; then a fan-out of N independent stages on Slurm.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../lib/paths.js';

const n = Number(process.argv[2] ?? 5);
const pipeBin = path.join(packageRoot, 'bin', 'pipe.js');

function project(yaml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-slurm-'));
  fs.writeFileSync(path.join(dir, 'pipeline.yaml'), yaml);
  return dir;
}

const chain = Array.from({ length: n }, (_, i) =>
  i === 0 ? `  s0:\n    cmd: echo 0 > s0\n    outs: [s0]\n` : `  s${i}:\n    cmd: cat s${i - 1} > s${i}\n    deps: [s${i - 1}]\n    outs: [s${i}]\n`,
).join('');
const fan = Array.from({ length: n }, (_, i) => `  f${i}:\n    cmd: echo ${i} > f${i}\n    outs: [f${i}]\n`).join('');

function timePipe(yaml: string, ...args: string[]): number {
  const dir = project(yaml);
  const t = performance.now();
  execFileSync(process.execPath, [pipeBin, 'run', ...args], { cwd: dir, env: { ...process.env, CI: '1' }, stdio: 'ignore' });
  return (performance.now() - t) / 1000;
}

function timeBareChain(): number {
  const dir = project('stages: {}\n');
  const t = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const dep = ids.length ? [`--dependency=afterok:${ids.at(-1)}`] : [];
    ids.push(execFileSync('sbatch', ['--parsable', '--output=/dev/null', `--chdir=${dir}`, ...dep, '--wrap=true'], { encoding: 'utf8' }).trim().split(';')[0]!);
  }
  for (;;) {
    const states = execFileSync('squeue', ['-h', '-t', 'all', '-j', ids.join(','), '-o', '%T'], { encoding: 'utf8' }).trim().split('\n');
    if (states.every((s) => s === 'COMPLETED')) break;
    execFileSync('sleep', ['0.2']);
  }
  return (performance.now() - t) / 1000;
}

const rows: [string, number][] = [
  [`pipe run --executor slurm, chain of ${n}`, timePipe(`executor: slurm\nstages:\n${chain}`)],
  [`bare sbatch afterok chain of ${n} (squeue every 0.2 s)`, timeBareChain()],
  [`pipe run (local), chain of ${n}`, timePipe(`stages:\n${chain}`)],
  [`pipe run --executor slurm, ${n} independent stages`, timePipe(`executor: slurm\nstages:\n${fan}`)],
];
for (const [what, s] of rows) console.log(`${what.padEnd(58)} ${s.toFixed(2)} s`);
