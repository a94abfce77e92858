import test from 'ava';
import { execa } from 'execa';
import { Reporter, formatDuration, formatProgress } from '../../runner/ui.js';
import { makeProject, pipeBin, stageApi } from './helpers.js';

test('durations and progress read naturally', (t) => {
  t.is(formatDuration(4.25), '4.3s');
  t.is(formatDuration(75), '1m15s');
  t.is(formatDuration(3725), '1h02m');
  t.is(formatProgress({ done: 25, total: 100, unit: 'steps', note: 'loss 0.5' }, 10), '25 steps/100 steps (25%) · ETA 30s · loss 0.5');
  t.is(formatProgress({ done: 1_500_000, total: 3_000_000, unit: 'B' }, 2), '1.5 MB/3.0 MB (50%) · ETA 2.0s');
});

test('plain output prefixes stage lines and throttles progress to occasional lines', (t) => {
  let out = '';
  const sink = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
  const r = new Reporter({ live: false, verbose: false, out: sink });
  r.started('train', 'run');
  r.output('train', 'epoch 1\npart', 'stdout');
  r.output('train', 'ial line\n', 'stdout');
  for (let i = 0; i < 100; i += 1) r.progress('train', { done: i, total: 100 });
  r.ended('train', { status: 'ran', seconds: 3 });
  r.close();
  t.is(out, '▶ train: running\ntrain │ epoch 1\ntrain │ partial line\n✓ train: ran in 3.0s\n');
});

test('on a terminal, a live footer shows the running stage with its progress and is cleared at the end', async (t) => {
  const dir = makeProject({
    'stages/slow.ts': `import fs from 'node:fs';
import { defineStage } from '${stageApi}';
export default defineStage(async (ctx) => {
  for (let i = 1; i <= 8; i += 1) {
    ctx.progress({ done: i, total: 8, unit: 'steps', note: 'working' });
    await new Promise((r) => setTimeout(r, 150));
  }
  fs.writeFileSync(ctx.outs[0]!, 'done');
});
`,
    'pipeline.yaml': 'stages:\n  slow:\n    run: stages/slow.ts\n    outs: [o.txt]\n',
  });
  // `script` gives the command a pseudo-terminal, as an interactive shell would.
  const { CI: _ci, ...env } = process.env;
  const r = await execa('script', ['-qec', `${process.execPath} ${pipeBin} run`, '/dev/null'], { cwd: dir, env: { ...env, TERM: 'xterm' }, extendEnv: false, reject: false });
  t.is(r.exitCode, 0, String(r.stdout));
  const out = String(r.stdout);
  t.regex(out, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] slow {2}\d+\.\ds {2}\d steps\/8 steps \(\d+%\)/, 'the footer shows the stage, its elapsed time and progress');
  t.regex(out, /\x1b\[\d+A\x1b\[J/, 'the footer is redrawn in place');
  t.regex(out, /✓ slow: ran in/);
  t.notRegex(out, /▶ slow: running/, 'no plain start line on a terminal');
});
