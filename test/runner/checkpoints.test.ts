import test from 'ava';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CheckpointStore, MANIFEST, type CheckpointManifest } from '../../runner/checkpoints.js';
import { validate } from '../../lib/schema.js';
import { formatStatus } from '../../runner/status.js';
import { tmp } from '../helpers/files.js';
import { makeProject, pipe, stageApi, write } from './helpers.js';

function store(dir: string, everyMinutes = 10): { store: CheckpointStore; log: string[]; saved: string[] } {
  const log: string[] = [];
  const saved: string[] = [];
  return { store: new CheckpointStore(dir, { stage: 'train', everyMinutes, log: (l) => log.push(l), saved: (at) => saved.push(at) }), log, saved };
}

const writeStep = (n: number) => (dir: string): void => {
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ step: n }));
  fs.mkdirSync(path.join(dir, 'tensors'));
  fs.writeFileSync(path.join(dir, 'tensors', 'w.bin'), Buffer.alloc(1000, n));
};

test('a saved checkpoint comes back whole, with a manifest of SHA-256 sums that sha256sum agrees with', async (t) => {
  const dir = path.join(tmp('pipe-ckpt-'), 'fp');
  const { store: s, saved } = store(dir);
  t.is(await s.latest(), undefined);
  await s.save('epoch 1/3', writeStep(1));
  const c = await s.latest();
  t.truthy(c);
  t.is(c!.at, 'epoch 1/3');
  t.is(c!.dir, path.join(dir, '1'));
  t.deepEqual(JSON.parse(fs.readFileSync(path.join(c!.dir, 'state.json'), 'utf8')), { step: 1 });
  const manifest = JSON.parse(fs.readFileSync(path.join(c!.dir, MANIFEST), 'utf8')) as CheckpointManifest;
  validate('checkpoint', manifest, MANIFEST);
  t.deepEqual(Object.keys(manifest.files).sort(), ['state.json', 'tensors/w.bin']);
  const sums = execFileSync('sha256sum', ['state.json', 'tensors/w.bin'], { cwd: c!.dir, encoding: 'utf8' });
  t.is(sums, `${manifest.files['state.json']}  state.json\n${manifest.files['tensors/w.bin']}  tensors/w.bin\n`);
  t.deepEqual(saved, ['epoch 1/3']);
  t.is(fs.readFileSync(path.join(dir, 'stage'), 'utf8'), 'train');
});

test('a newer checkpoint replaces the older one; nothing temporary is left', async (t) => {
  const dir = path.join(tmp('pipe-ckpt-'), 'fp');
  const { store: s } = store(dir);
  await s.save('epoch 1/3', writeStep(1));
  await s.save('epoch 2/3', writeStep(2));
  t.deepEqual(fs.readdirSync(dir).sort(), ['2', 'stage']);
  t.is((await s.latest())!.at, 'epoch 2/3');
});

test('a checkpoint whose write fails leaves the previous one and no trace of itself', async (t) => {
  const dir = path.join(tmp('pipe-ckpt-'), 'fp');
  const { store: s } = store(dir);
  await s.save('epoch 1/3', writeStep(1));
  await t.throwsAsync(s.save('epoch 2/3', () => Promise.reject(new Error('disk full'))), { message: 'disk full' });
  t.deepEqual(fs.readdirSync(dir).sort(), ['1', 'stage']);
  t.is((await s.latest())!.at, 'epoch 1/3');
});

test('a torn checkpoint is reported and skipped, never loaded; an older intact one is used instead', async (t) => {
  const dir = path.join(tmp('pipe-ckpt-'), 'fp');
  const { store: s, log } = store(dir);
  await s.save('epoch 1/3', writeStep(1));
  const keep = path.join(path.dirname(dir), 'keep');
  fs.cpSync(path.join(dir, '1'), keep, { recursive: true });
  await s.save('epoch 2/3', writeStep(2));
  fs.cpSync(keep, path.join(dir, '1'), { recursive: true });

  // Torn: the tensor file lost its tail, as after a crash whose data never reached the disk.
  fs.truncateSync(path.join(dir, '2', 'tensors', 'w.bin'), 600);
  const c = await s.latest();
  t.is(c!.at, 'epoch 1/3');
  t.deepEqual(log, [`checkpoint ${path.join(dir, '2')} is damaged (tensors/w.bin does not match its SHA-256 in checkpoint.json); ignored`]);

  // Missing and unexpected files, and a broken manifest, are damage too.
  fs.rmSync(path.join(dir, '1', 'state.json'));
  fs.writeFileSync(path.join(dir, '2', MANIFEST), '{"stage":');
  log.length = 0;
  t.is(await s.latest(), undefined);
  t.is(log.length, 2);
  t.regex(log[0]!, /2 is damaged \(checkpoint\.json unreadable/);
  t.regex(log[1]!, /1 is damaged \(state\.json is missing\); ignored/);
});

test('due: after the interval, or at once when the runner asks; a save starts the interval again', async (t) => {
  const { store: s } = store(path.join(tmp('pipe-ckpt-'), 'fp'), 0.002);
  t.false(s.due());
  await new Promise((r) => setTimeout(r, 150));
  t.true(s.due(), '0.12 s passed');
  await s.save('step 1', writeStep(1));
  t.false(s.due());
  s.request();
  t.true(s.due());
  await s.save('step 2', writeStep(2));
  t.false(s.due());
});

test('pipe status says which checkpoint a stage that will run resumes from, and how old it is', (t) => {
  const now = Date.parse('2026-05-01T12:00:00Z');
  const row = { stage: 'train', state: 'will-run' as const, reasons: ['param epochs: 5 → 6'], resumable: { at: 'epoch 3/6', savedAt: '2026-05-01T11:58:05Z' } };
  t.is(formatStatus([row], false, now), '▶ train will run, resumable from epoch 3/6 (checkpoint 2 min old)\n    param epochs: 5 → 6\n');
  t.is(formatStatus([{ ...row, resumable: { at: 'epoch 4/6, step 10/112', savedAt: '2026-05-01T11:59:20Z' } }], false, now).split('\n')[0], '▶ train will run, resumable from epoch 4/6, step 10/112 (checkpoint 40 s old)');
});

// Saves a checkpoint, then fails unless the file `ok` exists; says where it resumed from.
const flaky = `params:
  v: 1
stages:
  long:
    run: stages/long.ts
    params: [v]
    outs: [out.txt]
`;
const flakyModule = `import fs from 'node:fs';
import { defineStage } from '${stageApi}';
export default defineStage(async (ctx) => {
  const c = await ctx.checkpoints.latest();
  console.log(c ? \`resuming from \${c.at}\` : 'starting');
  if (!c) await ctx.checkpoints.save('half of it', (dir) => fs.writeFileSync(\`\${dir}/state\`, 'x'));
  if (!fs.existsSync('ok')) throw new Error('not yet');
  fs.writeFileSync(ctx.outs[0]!, \`v\${ctx.params.v}\\n\`);
});
`;

test('through the CLI: a failed run keeps its checkpoint for the next run of the same inputs only; success and gc drop them', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': flaky, 'stages/long.ts': flakyModule });
  const checkpoints = (): string[] => fs.readdirSync(path.join(dir, '.pipe', 'checkpoints')).sort();
  t.is((await pipe(dir, 'run')).code, 1);
  const [v1] = checkpoints();
  t.regex((await pipe(dir, 'status')).stdout, /^▶ long will run, resumable from half of it \(checkpoint \d+ s old\)\n/);

  // Another param value is another fingerprint: it starts afresh and leaves the first checkpoint alone.
  const other = await pipe(dir, 'run', '--v', '2');
  t.regex(other.stdout, /long │ starting/);
  t.is(checkpoints().length, 2);
  t.regex((await pipe(dir, 'gc')).stdout, /, 1 checkpoints,/, 'gc with v=1 drops the checkpoint of v=2');
  t.deepEqual(checkpoints(), [v1]);

  write(dir, { ok: '' });
  const done = await pipe(dir, 'run');
  t.is(done.code, 0, done.stdout + done.stderr);
  t.regex(done.stdout, /long │ resuming from half of it/);
  t.deepEqual(checkpoints(), [], 'a committed run drops its checkpoints');

  // A checkpoint of a stage that is no longer in the pipeline is nobody's.
  fs.mkdirSync(path.join(dir, '.pipe', 'checkpoints', 'f'.repeat(64), '1'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.pipe', 'checkpoints', 'f'.repeat(64), 'stage'), 'gone');
  t.regex((await pipe(dir, 'gc')).stdout, /, 1 checkpoints,/);
  t.deepEqual(checkpoints(), []);
});
