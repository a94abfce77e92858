import test from 'ava';
import { FormatError, loadYaml } from '../../lib/schema.js';
import { findWave, loadWaveManifest, resolveSource, type WaveManifest } from '../../net/waves.js';

test('the project manifest is valid and every wave has a source the fetch stage understands', (t) => {
  const m = loadWaveManifest('config/waves.yaml');
  t.is(m.inbox, 'data/inbox');
  const subpop = Object.keys(m.sets.subpop);
  // 53 training waves and OpinionQA's 14 evaluation waves
  t.is(subpop.filter((w) => w.startsWith('ATP_W')).length, 53 + 14);
  t.like(findWave(m, 'ATP_W92'), { role: 'eval', eval_set: 'opinionqa' });
  t.is(findWave(m, 'ATP_W27'), undefined); // an OpinionQA wave without questions the SubPOP authors kept
  t.deepEqual(resolveSource(findWave(m, 'ATP_W68')!.source), { kind: 'inbox', name: 'ATP W68' });
  t.deepEqual(resolveSource(findWave(m, 'ATP_W901')!.source), { kind: 'path', path: 'demo/atp/ATP W901.sav' });
  t.is(resolveSource(findWave(m, 'GSS_2022')!.source).kind, 'url');
});

const entry = (fields: string) => `sets:\n  s:\n    W:\n      family: atp\n      role: train\n      format: sav\n${fields}`;
const check = (yaml: string) => loadYaml<WaveManifest>('waves', 'waves.yaml', yaml);
const fails = (t: import('ava').ExecutionContext, yaml: string, message: string) => {
  const err = t.throws(() => check(yaml));
  t.true(err instanceof FormatError);
  t.is(err?.message, message);
};

test('source forms: URL, path, inbox with optional page', (t) => {
  t.notThrows(() => check(entry('      source: https://example.org/a.zip\n      headers: {Cookie: $PEW_COOKIE}\n      archive_member: a.sav\n')));
  t.notThrows(() => check(entry('      source: data/gss/GSS2022.sav\n')));
  t.notThrows(() => check(entry('      source: {inbox: ATP W92, page: "https://www.pewresearch.org/dataset/american-trends-panel-wave-92/"}\n')));
});

test('other URL schemes are rejected', (t) => {
  fails(t, entry('      source: ftp://example.org/a.sav\n'), 'waves.yaml:7:15: sets.s.W.source must match pattern "^https?://\\S+$"');
});

test('headers need a URL source and must name environment variables', (t) => {
  fails(t, entry('      source: {inbox: ATP W92}\n      headers: {Cookie: $PEW_COOKIE}\n'), 'waves.yaml:7:15: sets.s.W.source must be string');
  fails(t, entry('      source: https://x.org/a.sav\n      headers: {Cookie: "sessionid=abc"}\n'), 'waves.yaml:8:25: sets.s.W.headers.Cookie must match pattern "^\\$[A-Za-z_][A-Za-z0-9_]*$"');
});

test('sha256 is 64 lower-case hex digits', (t) => {
  fails(t, entry(`      source: a.sav\n      sha256: ${'A'.repeat(64)}\n`), 'waves.yaml:8:15: sets.s.W.sha256 must match pattern "^[0-9a-f]{64}$"');
});

test('an inbox name needs letters or digits, and an inbox source takes no other keys', (t) => {
  fails(t, entry('      source: {inbox: " - "}\n'), 'waves.yaml:7:23: sets.s.W.source.inbox must match pattern "[A-Za-z0-9]"');
  fails(t, entry('      source: {inbox: ATP W92, url: x}\n'), 'waves.yaml:7:32: unknown key "url" in sets.s.W.source');
});
