/**
 * No-op speed of `pipe run` against Snakemake's dry run and `make -q` on the same synthetic DAG, and
 * first-time hashing throughput against sha256sum.
 *
 *   npm run build && npx tsx bench/runner-noop.ts [--stages 100] [--files 20000] [--big 1000] [--hash-mb 1024]
 *
 * Needs hyperfine, snakemake and make (Debian: apt-get install hyperfine snakemake make), and the native stat
 * helper built (npm run build:native); `PIPE_NATIVE=0` rows time the fs.statSync fallback.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pipe = path.join(repo, 'bin', 'pipe.js');
const { values } = parseArgs({
  options: {
    stages: { type: 'string', default: '100' },
    files: { type: 'string', default: '20000' },
    big: { type: 'string', default: '1000' },
    'hash-mb': { type: 'string', default: '1024' },
  },
});

/** A chain of stages; stage i reads its own folder of input files and the previous stage's output. */
function generate(dir: string, stages: number, files: number): void {
  const perStage = Math.max(1, Math.floor(files / stages));
  fs.rmSync(dir, { recursive: true, force: true });
  const yaml = ['stages:'];
  const snake = [`rule all:\n    input: ${JSON.stringify(Array.from({ length: stages }, (_, i) => `out/s${i}.txt`))}\n`];
  const make = [`all: ${Array.from({ length: stages }, (_, i) => `out/s${i}.txt`).join(' ')}\n`];
  for (let i = 0; i < stages; i += 1) {
    const inputs = Array.from({ length: perStage }, (_, j) => `data/s${i}/f${j}.txt`);
    fs.mkdirSync(path.join(dir, 'data', `s${i}`), { recursive: true });
    for (const f of inputs) fs.writeFileSync(path.join(dir, f), `${f}\n`);
    const prev = i > 0 ? [`out/s${i - 1}.txt`] : [];
    const cmd = `mkdir -p out && cat data/s${i}/* ${prev.join(' ')} | wc -l > out/s${i}.txt`;
    yaml.push(`  s${i}:`, `    cmd: ${cmd}`, `    deps: [data/s${i}/${prev.map((p) => `, ${p}`).join('')}]`, `    outs: [out/s${i}.txt]`);
    snake.push(`rule s${i}:\n    input: ${JSON.stringify([...inputs, ...prev])}\n    output: "out/s${i}.txt"\n    shell: "${cmd}"\n`);
    make.push(`out/s${i}.txt: ${[...inputs, ...prev].join(' ')}\n\t${cmd}\n`);
  }
  fs.writeFileSync(path.join(dir, 'pipeline.yaml'), `${yaml.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'Snakefile'), snake.join('\n'));
  fs.writeFileSync(path.join(dir, 'Makefile'), make.join('\n'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
}

interface Timing {
  command: string;
  mean: number;
  median: number;
  min: number;
}

function hyperfine(dir: string, commands: string[], runs = 15): Timing[] {
  const out = path.join(dir, 'hyperfine.json');
  execFileSync('hyperfine', ['-N', '--warmup', '3', '--runs', String(runs), '--export-json', out, ...commands], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const data = JSON.parse(fs.readFileSync(out, 'utf8')) as { results: Timing[] };
  return data.results;
}

function settle(dir: string): void {
  execFileSync(process.execPath, [pipe, 'run', '-j', String(os.availableParallelism())], { cwd: dir, stdio: 'ignore', env: { ...process.env, CI: '1' } });
  // Hashes taken within the racy window are re-checked once; let it pass, then take them again.
  execFileSync('sleep', ['2.5']);
  execFileSync(process.execPath, [pipe, 'run'], { cwd: dir, stdio: 'ignore', env: { ...process.env, CI: '1' } });
}

const ms = (s: number): string => `${(s * 1000).toFixed(0)} ms`;

function noopBench(stages: number, files: number, withOthers: boolean): void {
  const dir = path.join(os.tmpdir(), `pipe-bench-${stages}`);
  generate(dir, stages, files);
  settle(dir);
  // The second command is the same check without the native stat helper (as on a machine without a compiler).
  const commands = [`${process.execPath} ${pipe} run`, `env PIPE_NATIVE=0 ${process.execPath} ${pipe} run`, `${process.execPath} ${pipe} status`];
  if (withOthers) {
    execFileSync('snakemake', ['-c1', '-q'], { cwd: dir, stdio: 'ignore' });
    execFileSync('make', ['-s', '-r'], { cwd: dir, stdio: 'ignore' });
    // -r: without make's built-in implicit rules, which it would otherwise try on each of the 20,000 inputs.
    commands.push('snakemake -n -c1 -q', 'make -q -r');
  }
  const results = hyperfine(dir, commands);
  console.log(`\nNo-op, ${stages} stages, ${fs.readdirSync(path.join(dir, 'data')).reduce((n, d) => n + fs.readdirSync(path.join(dir, 'data', d)).length, 0)} input files:`);
  for (const r of results) console.log(`  ${r.command.replace(process.execPath, 'node').replace(repo, '.').padEnd(44)} median ${ms(r.median)}  mean ${ms(r.mean)}  min ${ms(r.min)}`);
  if (withOthers) {
    const ours = results[0]!.median;
    const snake = results.find((r) => r.command.startsWith('snakemake'))!.median;
    console.log(`  pipe run vs snakemake -n: ${(snake / ours).toFixed(1)}× faster`);
  }
}

function hashBench(totalMb: number): void {
  const dir = path.join(os.tmpdir(), 'pipe-bench-hash');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const block = crypto.randomBytes(1 << 20);
  const files = 4;
  for (let f = 0; f < files; f += 1) {
    const fd = fs.openSync(path.join(dir, `f${f}.bin`), 'w');
    for (let i = 0; i < totalMb / files; i += 1) {
      block[0] = (block[0]! + 1) & 0xff;
      fs.writeSync(fd, block);
    }
    fs.closeSync(fd);
  }
  const ours = `${process.execPath} -e "const m=await import('${path.join(repo, 'dist/runner/stat-cache.js')}');new m.StatCache().hashPath('${dir}')" --input-type=module`;
  const results = hyperfine(dir, [`sha256sum ${Array.from({ length: files }, (_, f) => `f${f}.bin`).join(' ')}`, ours], 5);
  console.log(`\nFirst-time hashing of ${totalMb} MiB in ${files} files (page cache warm):`);
  const [sum, ourResult] = results as [Timing, Timing];
  const rate = (t: number): string => `${(totalMb / 1024 / t).toFixed(2)} GiB/s`;
  console.log(`  sha256sum: ${ms(sum.median)} (${rate(sum.median)})`);
  console.log(`  pipe:      ${ms(ourResult.median)} (${rate(ourResult.median)}), ${(sum.median / ourResult.median).toFixed(2)}× sha256sum`);
  fs.rmSync(dir, { recursive: true, force: true });
}

noopBench(Number(values.stages), Number(values.files), true);
noopBench(Number(values.big), Number(values.big), false);
hashBench(Number(values['hash-mb']));
