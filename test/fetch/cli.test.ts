import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../net/cli.js';
import { runCli } from '../helpers/cli.js';
import { testBytes } from '../net/server.js';
import { tmp } from '../helpers/files.js';

const run = (argv: string[]) => runCli(main, argv);

test.serial('fetch-waves fetches what it can and lists every failure at the end', async (t) => {
  const dir = tmp('fetch-cli-');
  fs.mkdirSync(path.join(dir, 'inbox'));
  fs.writeFileSync(path.join(dir, 'inbox', 'ATP W2.sav'), Buffer.concat([Buffer.from('$FL2'), testBytes(996)]));
  const waves = ['W1', 'W2', 'W3'].map((w) => `    ATP_${w}: {family: atp, role: train, format: sav, source: {inbox: "ATP ${w}"}}`);
  fs.writeFileSync(path.join(dir, 'waves.yaml'), [`inbox: ${path.join(dir, 'inbox')}`, 'sets:', '  s:', ...waves].join('\n'));
  const out = path.join(dir, 'raw');
  const r = await run(['--manifest', path.join(dir, 'waves.yaml'), '--set', 's', '--out', out]);
  t.is(r.code, 1);
  t.deepEqual(fs.readdirSync(out), ['ATP_W2']);
  t.deepEqual(fs.readdirSync(path.join(out, 'ATP_W2')).sort(), ['ATP_W2.sav', 'source.json']);
  t.regex(r.stderr, /^ATP_W2: ATP_W2\.sav 1000 bytes sha256 [0-9a-f]{64}$/m);
  t.regex(r.stderr, /^ATP_W1: "ATP W1\.sav" is not in the inbox /m);
  t.regex(r.stderr, /^ATP_W3: "ATP W3\.sav" is not in the inbox /m);
});

test.serial('fetch-waves without --out prints its usage; unknown waves are named', async (t) => {
  const r = await run([]);
  t.is(r.code, 2);
  t.regex(r.stderr, /^Usage: fetch-waves --out DIR/);
  const u = await run(['--out', os.tmpdir(), 'ATP_W999']);
  t.is(u.code, 1);
  t.is(u.stderr, '\nconfig/waves.yaml: set demo has no wave ATP_W999\n');
});
