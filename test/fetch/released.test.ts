import test from 'ava';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fetchReleased, type FetchReleasedOptions, type ReleasedEntry } from '../../net/fetch-released.js';
import { runReleased } from '../../stages/released.js';
import splitStage from '../../stages/split.js';
import { readRows } from '../../survey/rows.js';
import { fileServer } from '../net/server.js';
import { scratch } from '../helpers/files.js';
import { stageContext } from '../helpers/stage-context.js';

const sampleFile = path.resolve('test/fixtures/eval/released/subpop_eval.sample.jsonl');
const sample = fs.readFileSync(sampleFile);
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const page = 'https://huggingface.co/datasets/jjssuh/subpop';
const entry = (over: Partial<ReleasedEntry> = {}): ReleasedEntry => ({ role: 'eval', file: 'subpop_eval.jsonl', headers: { Authorization: 'Bearer $HF_TOKEN' }, page, ...over });

function options(root: string, e: ReleasedEntry, env: Record<string, string> = {}): FetchReleasedOptions {
  return { id: 'SUBPOP_EVAL', entry: e, inbox: 'data/inbox', root, downloadTo: path.join(root, '.download'), env, download: { retry: { attempts: 2, baseMs: 1, maxMs: 1 }, sleep: async () => {} } };
}

test('a released file dropped into the inbox is taken from there, verified when its sha256 is known', async (t) => {
  const root = scratch(t);
  fs.mkdirSync(path.join(root, 'data/inbox'), { recursive: true });
  fs.copyFileSync(sampleFile, path.join(root, 'data/inbox/subpop_eval.jsonl'));
  // No URL and no token needed.
  const got = await fetchReleased(options(root, entry({ sha256: sha256(sample) })));
  t.deepEqual(got, { kind: 'inbox', location: 'data/inbox/subpop_eval.jsonl', file: path.join(root, 'data/inbox/subpop_eval.jsonl'), sha256: sha256(sample), size: sample.length });
  await t.throwsAsync(fetchReleased(options(root, entry({ sha256: '0'.repeat(64) }))), { message: `SUBPOP_EVAL: sha256 mismatch for data/inbox/subpop_eval.jsonl: expected ${'0'.repeat(64)}, actual ${sha256(sample)}` });
});

test('without the file in the inbox it is downloaded with the token header from the environment', async (t) => {
  const root = scratch(t);
  const server = await fileServer({ body: sample, require: { header: 'Authorization', value: 'Bearer hf_good' } });
  t.teardown(() => server.close());
  const got = await fetchReleased(options(root, entry({ url: server.url, sha256: sha256(sample) }), { HF_TOKEN: 'hf_good' }));
  t.like(got, { kind: 'url', location: server.url, sha256: sha256(sample), size: sample.length });
  t.deepEqual(fs.readFileSync(got.file), sample);
  t.is(server.log[0]!.headers.authorization, 'Bearer hf_good');
});

test("a file that is nowhere says where to get it: the dataset page, its terms, the token, or the inbox", async (t) => {
  const root = scratch(t);
  const url = `${page}/resolve/886d78a5cb55a576bd82b6724c46ae0f34a2ac3e/subpop_eval.jsonl`;
  const err = await t.throwsAsync(fetchReleased(options(root, entry({ url }))));
  t.is(
    err?.message,
    [
      'SUBPOP_EVAL: "subpop_eval.jsonl" is not in the inbox data/inbox and HF_TOKEN is not set, so it cannot be downloaded. To get it:',
      `  1. open ${page}, sign in and accept the dataset's terms if it asks (a gated dataset serves nobody who has not)`,
      `  2. either set HF_TOKEN to an access token of that account (https://huggingface.co/settings/tokens): the file is then downloaded from ${url}`,
      `     or download "subpop_eval.jsonl" and put it into ${path.join(root, 'data/inbox')}${path.sep}`,
      'then run again.',
    ].join('\n'),
  );
  // An entry without a URL can only come from the inbox.
  const noUrl = await t.throwsAsync(fetchReleased(options(root, { role: 'train', file: 'mine.jsonl' })));
  t.is(noUrl?.message, `SUBPOP_EVAL: "mine.jsonl" is not in the inbox data/inbox. To get it:\n  1. download "mine.jsonl" and put it into ${path.join(root, 'data/inbox')}${path.sep}\nthen run again.`);
});

test('a refused token (HTTP 401 or 403) says to accept the terms and set HF_TOKEN, and never shows the token', async (t) => {
  const root = scratch(t);
  // This server echoes the credential it rejects in its reason phrase, as careless servers do.
  const server = await fileServer({ body: sample, require: { header: 'Authorization', value: 'Bearer hf_good' } });
  t.teardown(() => server.close());
  const err = await t.throwsAsync(fetchReleased(options(root, entry({ url: server.url }), { HF_TOKEN: 'hf_secret_bad' })));
  t.regex(err!.message, /^SUBPOP_EVAL: http:\/\/127\.0\.0\.1:\d+\/\S+: HTTP 403 .*: the server refused the token in HF_TOKEN\. Accept the dataset's terms at https:\/\/huggingface\.co\/datasets\/jjssuh\/subpop and set HF_TOKEN to a valid access token of the account that accepted them, or put "subpop_eval\.jsonl" into data\/inbox\/$/);
  t.false(`${err!.message}${err!.stack}`.includes('hf_secret_bad'));
  server.options.require = undefined;
  const plan = await fileServer({ body: sample, plan: [{ status: 401 }] });
  t.teardown(() => plan.close());
  const unauthorized = await t.throwsAsync(fetchReleased(options(root, entry({ url: plan.url }), { HF_TOKEN: 'hf_x' })));
  t.regex(unauthorized!.message, /HTTP 401 Unauthorized: the server refused the token in HF_TOKEN\. Accept the dataset's terms/);
  const gone = await fileServer({ body: sample, plan: [{ status: 404 }] });
  t.teardown(() => gone.close());
  const missing = await t.throwsAsync(fetchReleased(options(root, entry({ url: gone.url }), { HF_TOKEN: 'hf_x' })));
  t.regex(missing!.message, /HTTP 404 Not Found: no such file at this URL; correct url: of SUBPOP_EVAL in config\/released\.yaml, or put "subpop_eval\.jsonl" into data\/inbox\/$/);
  t.false(fs.existsSync(path.join(root, '.download')));
});

test.serial('released@ID writes checked rows in the rows format; the split takes the authors\' numpy shuffle for them', async (t) => {
  const home = process.cwd();
  const root = scratch(t);
  t.teardown(() => process.chdir(home));
  // A training file shaped like SubPOP-Train: Pew qkeys, placeholder ordinals (all 1.0), in the authors' row order.
  const train = sample
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { qkey: string; ordinal: number[] })
    .map((r, i) => JSON.stringify({ ...r, qkey: `Q${Math.floor(i / 4)}_W68`, ordinal: r.ordinal.map(() => 1.0) }));
  const server = await fileServer({ body: Buffer.from(`${train.join('\n')}\n`), require: { header: 'Authorization', value: 'Bearer hf_good' } });
  t.teardown(() => server.close());
  process.chdir(root);
  fs.mkdirSync('config');
  fs.writeFileSync('config/waves.yaml', 'inbox: data/inbox\nsets:\n  released: {}\n');
  fs.mkdirSync('data/inbox', { recursive: true });
  fs.copyFileSync(sampleFile, 'data/inbox/subpop_eval.jsonl');
  const logs: string[] = [];
  const run = async (id: string, item: ReleasedEntry) => {
    const out = `artifacts/released/${id}/`;
    fs.mkdirSync(out, { recursive: true });
    await runReleased(stageContext({ name: `released@${id}`, key: id, item: { ...item }, outs: [out], root, env: { HF_TOKEN: 'hf_good' } }));
  };
  const log = console.log;
  console.log = (line: string) => void logs.push(line);
  try {
    await run('SUBPOP_TRAIN', { role: 'train', file: 'subpop_train.jsonl', url: server.url, headers: { Authorization: 'Bearer $HF_TOKEN' } });
    await run('SUBPOP_EVAL', entry({ url: server.url }));
  } finally {
    console.log = log;
  }
  const trainRows = readRows('artifacts/released/SUBPOP_TRAIN/rows.jsonl');
  t.is(trainRows.length, 83);
  t.like(trainRows[0], { qkey: 'Q0_W68', wave: 'SUBPOP_TRAIN', n_respondents: null, weight_sum: null, ordinal: [1, 1, 1] });
  t.like(JSON.parse(fs.readFileSync('artifacts/released/SUBPOP_TRAIN/released.json', 'utf8')), { id: 'SUBPOP_TRAIN', role: 'train', kind: 'url', location: server.url, rows: 83, questions: 21, placeholder_ordinals: true });
  t.like(JSON.parse(fs.readFileSync('artifacts/released/SUBPOP_EVAL/released.json', 'utf8')), { kind: 'inbox', location: 'data/inbox/subpop_eval.jsonl', sha256: sha256(sample), questions: 5, placeholder_ordinals: false });
  t.true(logs.some((l) => /SUBPOP_TRAIN: every row's ordinals are equal placeholders, so WD is undefined/.test(l)));
  t.false(fs.existsSync('artifacts/released/SUBPOP_TRAIN/.SUBPOP_TRAIN.download'));

  fs.mkdirSync('artifacts/split', { recursive: true });
  await splitStage.run(stageContext({ name: 'split', params: { waveset: 'released', seed: 42, train_ratio: 0.9 }, deps: ['artifacts/released/SUBPOP_TRAIN', 'artifacts/released/SUBPOP_EVAL', 'config/waves.yaml'], outs: ['artifacts/split/'], root }));
  const manifest = JSON.parse(fs.readFileSync('artifacts/split/manifest.json', 'utf8'));
  // 21 training questions: round(18.9) = 19 train, round(2.1) = 2 validation; SubPOP-Eval is all test.
  t.like(manifest, { shuffle: 'numpy', questions: { train: 19, val: 2, test: 5 }, rows: { test: 83 } });
  // numpy: np.random.seed(42); np.random.shuffle(['Q0_W68', …, 'Q20_W68']) ends in Q6_W68, Q19_W68.
  const val = [...new Set(readRows('artifacts/split/val.jsonl').map((r) => r.qkey))].sort();
  t.deepEqual(val, ['Q19_W68', 'Q6_W68']);
});

test.serial('a bad row of a downloaded file is named by its URL and line', async (t) => {
  const home = process.cwd();
  const root = scratch(t);
  t.teardown(() => process.chdir(home));
  const lines = sample.toString('utf8').split('\n');
  lines[2] = lines[2]!.replace('"responses": [0.7219286822598043', '"responses": [0.9219286822598043');
  const server = await fileServer({ body: Buffer.from(lines.join('\n')) });
  t.teardown(() => server.close());
  process.chdir(root);
  fs.mkdirSync('config');
  fs.writeFileSync('config/waves.yaml', 'sets:\n  released: {}\n');
  fs.mkdirSync('artifacts/released/SUBPOP_EVAL', { recursive: true });
  await t.throwsAsync(runReleased(stageContext({ name: 'released@SUBPOP_EVAL', key: 'SUBPOP_EVAL', item: { role: 'eval', file: 'subpop_eval.jsonl', url: server.url }, outs: ['artifacts/released/SUBPOP_EVAL/'], root })), {
    message: `${server.url}:3 (qkey natdrug, EDUCATION/College graduate/some postgrad): responses sum to 1.2000000000000002, not 1 (tolerance 1e-6)`,
  });
  t.deepEqual(fs.readdirSync('artifacts/released/SUBPOP_EVAL'), []);
});
