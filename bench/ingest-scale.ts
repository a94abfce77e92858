/**
 * Ingest at SubPOP-Train scale: `npx tsx bench/ingest-scale.ts [WAVES] [RESPONDENTS]` (default 53 × 5,000).
 *
 * PSPP writes WAVES synthetic ATP waves of RESPONDENTS cases × 150 variables (QKEY, WEIGHT_W{n}, 140 labelled
 * questions Q{j}_W{n} with refusal 99 and system-missing skips, 8 F_* profile variables); then every wave is
 * ingested in this one process, as the runner would run ingest@<WAVE> one after another. Reports generation and
 * ingest time and the peak RSS after the first wave and after all of them (bounded memory: they should match).
 * Needs PSPP (Debian package pspp).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ingestWave } from '../survey/ingest.js';

const waves = Number(process.argv[2] ?? 53);
const respondents = Number(process.argv[3] ?? 5000);
const QUESTIONS = 140;
const PROFILE = ['F_AGECAT', 'F_GENDER', 'F_EDUCCAT2', 'F_CREGION', 'F_PARTY_FINAL', 'F_IDEO', 'F_INC_SDT1', 'F_RELIG'];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ingest-'));
const ids = Array.from({ length: waves }, (_, i) => 68 + i);

const q = Array.from({ length: QUESTIONS }, (_, j) => `Q${j + 1}`);
const lines = [
  "SET LOCALE='UTF-8'.",
  'INPUT PROGRAM.',
  `LOOP #i = 1 TO ${respondents}.`,
  '  COMPUTE QKEY = 100000 + #i.',
  '  END CASE.',
  'END LOOP.',
  'END FILE.',
  'END INPUT PROGRAM.',
  `VECTOR Q(${QUESTIONS}, F3.0).`,
  `LOOP #j = 1 TO ${QUESTIONS}.`,
  '  COMPUTE Q(#j) = MOD(QKEY * 7 + #j * 13, 5) + 1.',
  '  IF (MOD(QKEY + #j, 23) = 0) Q(#j) = 99.',
  '  IF (MOD(#j, 4) = 0 AND MOD(QKEY, 2) = 0) Q(#j) = $SYSMIS.',
  'END LOOP.',
  ...PROFILE.map((p, k) => `COMPUTE ${p} = MOD(QKEY * ${k + 3}, ${k + 4}) + 1.`),
  'COMPUTE WEIGHT = 0.2 + MOD(QKEY, 97) / 31.',
  'VARIABLE LABELS ' + q.map((v) => `${v} '${v}. How do you feel about topic ${v.slice(1)}?'`).join(' ') + '.',
  `VALUE LABELS Q1 TO Q${QUESTIONS} 1 'Very' 2 'Somewhat' 3 'Not too' 4 'Not at all' 5 'Not sure' 99 'Refused'.`,
  `VALUE LABELS ${PROFILE.join(' ')} 1 'One' 2 'Two' 3 'Three' 4 'Four' 5 'Five' 99 'Refused'.`,
  ...ids.flatMap((n) => {
    const folder = path.join(dir, 'raw', `ATP_W${n}`);
    fs.mkdirSync(folder, { recursive: true });
    return [`SAVE OUTFILE='${folder}/ATP W${n}.sav' /RENAME=(${q.join(' ')} WEIGHT = ${q.map((v) => `${v}_W${n}`).join(' ')} WEIGHT_W${n}).`];
  }),
];
fs.writeFileSync(path.join(dir, 'waves.sps'), lines.join('\n') + '\n');
let t = performance.now();
execFileSync('pspp', [path.join(dir, 'waves.sps')], { env: { ...process.env, LANG: 'C.UTF-8' }, stdio: 'ignore' });
const bytes = ids.reduce((s, n) => s + fs.statSync(path.join(dir, 'raw', `ATP_W${n}`, `ATP W${n}.sav`)).size, 0);
console.log(`PSPP wrote ${waves} waves × ${respondents} respondents × ${2 + QUESTIONS + PROFILE.length} variables (${(bytes / 1e6).toFixed(0)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
console.log(`${os.cpus().length} cores, node ${process.version}`);

const rssMB = () => (process.resourceUsage().maxRSS / 1024).toFixed(0);
let answers = 0;
let firstRss = '';
t = performance.now();
for (const [k, n] of ids.entries()) {
  const s = await ingestWave({
    wave: `ATP_W${n}`,
    entry: { family: 'atp', role: 'train', format: 'sav', source: `ATP W${n}.sav` },
    inputDir: path.join(dir, 'raw', `ATP_W${n}`),
    outDir: path.join(dir, 'tables', `ATP_W${n}`),
    threads: 2,
  });
  answers += s.answers;
  if (k === 0) firstRss = rssMB();
}
const secs = (performance.now() - t) / 1000;
console.log(`ingest: ${secs.toFixed(1)} s for ${waves} waves (${(secs / waves).toFixed(2)} s/wave), ${answers.toLocaleString('en-US')} answer rows, ${Math.round((waves * respondents) / secs).toLocaleString('en-US')} respondents/s`);
console.log(`peak RSS: ${firstRss} MB after the first wave, ${rssMB()} MB after all ${waves}`);
fs.rmSync(dir, { recursive: true, force: true });
