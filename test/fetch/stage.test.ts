import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import stage from '../../stages/fetch.js';
import type { Progress, StageContext } from '../../runner/stage.js';
import { testBytes } from '../net/server.js';
import { stageContext } from '../helpers/stage-context.js';
import { tmp } from '../helpers/files.js';

// The stage reads config/waves.yaml from its working directory, so these tests chdir and run serially.
const home = process.cwd();
test.afterEach.always(() => process.chdir(home));

const manifest = `inbox: drop
sets:
  demo:
    ATP_W901:
      family: atp
      role: train
      format: sav
      source: demo/atp/ATP W901.sav
    ATP_W92:
      family: atp
      role: train
      format: sav
      source: {inbox: "ATP W92"}
`;

/** A staging copy (the working directory) and a separate real project root that holds the inbox. */
function setup(waves = manifest): { stage: string; root: string } {
  const stageDir = tmp('stage-');
  const root = tmp('root-');
  fs.mkdirSync(path.join(stageDir, 'config'));
  fs.writeFileSync(path.join(stageDir, 'config', 'waves.yaml'), waves);
  fs.mkdirSync(path.join(stageDir, 'demo', 'atp'), { recursive: true });
  fs.writeFileSync(path.join(stageDir, 'demo', 'atp', 'ATP W901.sav'), Buffer.concat([Buffer.from('$FL2'), testBytes(1000)]));
  return { stage: stageDir, root };
}

function context(root: string, key: string | undefined, item: StageContext['item'], progress: Progress[] = []): StageContext {
  const out = `artifacts/raw/${key}/`;
  fs.mkdirSync(out, { recursive: true });
  return stageContext({ name: `fetch@${key}`, item, key, outs: [out], root, progress: (p) => void progress.push(p) });
}

test.serial('fetch@ATP_W901 copies the demo wave into its output folder and reports progress', async (t) => {
  const { stage: dir, root } = setup();
  process.chdir(dir);
  const progress: Progress[] = [];
  await stage.run(context(root, 'ATP_W901', { family: 'atp', role: 'train', format: 'sav', source: 'demo/atp/ATP W901.sav' }, progress));
  t.deepEqual(fs.readdirSync('artifacts/raw/ATP_W901').sort(), ['ATP_W901.sav', 'source.json']);
  t.deepEqual(fs.readFileSync('artifacts/raw/ATP_W901/ATP_W901.sav'), fs.readFileSync('demo/atp/ATP W901.sav'));
  t.like(JSON.parse(fs.readFileSync('artifacts/raw/ATP_W901/source.json', 'utf8')), { wave: 'ATP_W901', kind: 'path', size: 1004 });
  t.deepEqual(progress.at(-1), { done: 1004, total: 1004, unit: 'B', note: 'copying' });
});

test.serial('without a foreach item the entry comes from the manifest; the inbox lives under the project root', async (t) => {
  const { stage: dir, root } = setup();
  fs.mkdirSync(path.join(root, 'drop'));
  fs.writeFileSync(path.join(root, 'drop', 'ATP_W92.sav'), Buffer.concat([Buffer.from('$FL2'), testBytes(10)]));
  process.chdir(dir);
  await stage.run(context(root, 'ATP_W92', undefined));
  t.like(JSON.parse(fs.readFileSync('artifacts/raw/ATP_W92/source.json', 'utf8')), { kind: 'inbox', location: 'drop/ATP_W92.sav', size: 14 });
});

test.serial('a bad foreach item is named with the offending key', async (t) => {
  const { stage: dir, root } = setup();
  process.chdir(dir);
  const err = await t.throwsAsync(stage.run(context(root, 'ATP_W901', { family: 'atp', role: 'train', format: 'sav', source: 'ftp://host/x.sav' })) as Promise<void>);
  t.is(err?.message, 'fetch@ATP_W901: the foreach item: ATP_W901.source must match pattern "^https?://\\S+$"');
});

test.serial('a bad manifest is reported at file:line:col', async (t) => {
  const { stage: dir, root } = setup(manifest.replace('source: {inbox: "ATP W92"}', 'source: {inbox: "ATP W92", cookie: x}'));
  process.chdir(dir);
  const err = await t.throwsAsync(stage.run(context(root, 'ATP_W901', undefined)) as Promise<void>);
  t.is(err?.message, 'config/waves.yaml:13:34: unknown key "cookie" in sets.demo.ATP_W92.source');
});

test.serial('a wave that is in no set is an error', async (t) => {
  const { stage: dir, root } = setup();
  process.chdir(dir);
  await t.throwsAsync(stage.run(context(root, 'ATP_W1', undefined)) as Promise<void>, { message: 'fetch@ATP_W1: no wave ATP_W1 in config/waves.yaml' });
});
