/**
 * SPSS reader speed: `npx tsx bench/sav-read.ts [CASES]` (default 100,000).
 *
 * PSPP writes an ATP-like numeric wave of 150 variables (codes 1–5 and 99 with value labels, a few
 * system-missing cells, a fractional weight) as a compressed .sav, an uncompressed .sav and a .zsav. For each we
 * time our reader alone (all batches, every column), `sav2csv FILE > out.csv`, and `pspp-convert FILE out.csv`,
 * and report cases/s. Needs PSPP (Debian package pspp).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSav } from '../formats/sav/reader.js';

const cases = Number(process.argv[2] ?? 100_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sav-'));
const NVARS = 150;

const sps = `SET LOCALE='UTF-8'.
INPUT PROGRAM.
LOOP #i = 1 TO ${cases}.
  COMPUTE QKEY = 100000 + #i.
  END CASE.
END LOOP.
END FILE.
END INPUT PROGRAM.
VECTOR Q(${NVARS - 2}, F3.0).
LOOP #j = 1 TO ${NVARS - 2}.
  COMPUTE Q(#j) = MOD(QKEY * 7 + #j * 13, 6) + 1.
  IF (Q(#j) = 6) Q(#j) = 99.
  IF (MOD(QKEY + #j, 11) = 0) Q(#j) = $SYSMIS.
END LOOP.
COMPUTE WEIGHT_W92 = 0.2 + MOD(QKEY, 97) / 31.
VALUE LABELS Q1 TO Q${NVARS - 2} 1 'Strongly agree' 2 'Agree' 3 'Neither' 4 'Disagree' 5 'Strongly disagree' 99 'Refused'.
SAVE OUTFILE='${dir}/wave.sav' /COMPRESSED.
SAVE OUTFILE='${dir}/wave-uncompressed.sav' /UNCOMPRESSED.
SAVE OUTFILE='${dir}/wave.zsav' /ZCOMPRESSED.
`;
fs.writeFileSync(path.join(dir, 'wave.sps'), sps);
let t = performance.now();
execFileSync('pspp', [path.join(dir, 'wave.sps')], { env: { ...process.env, LANG: 'C.UTF-8' }, stdio: 'ignore' });
console.log(`PSPP wrote ${cases} cases × ${NVARS} variables in ${((performance.now() - t) / 1000).toFixed(1)} s; ${os.cpus().length} cores, node ${process.version}`);

const time = async (f: () => Promise<unknown> | unknown): Promise<number> => {
  const start = performance.now();
  await f();
  return (performance.now() - start) / 1000;
};
const best = async (f: () => Promise<unknown> | unknown, runs = 3): Promise<number> => {
  let min = Infinity;
  for (let i = 0; i < runs; i++) min = Math.min(min, await time(f));
  return min;
};
const rate = (s: number): string => `${Math.round(cases / s).toLocaleString('en-US').padStart(9)} cases/s (${s.toFixed(2)} s)`;

const launcher = new URL('../bin/sav2csv.js', import.meta.url).pathname;
console.log(`${'file'.padEnd(22)} ${'MB'.padStart(6)}  ${'reader only'.padEnd(29)} ${'sav2csv > csv'.padEnd(29)} ${'pspp-convert > csv'.padEnd(29)} ratio`);
for (const name of ['wave.sav', 'wave-uncompressed.sav', 'wave.zsav']) {
  const file = path.join(dir, name);
  const out = path.join(dir, 'out.csv');
  const reader = await best(async () => {
    const sav = await openSav(file);
    let n = 0;
    for await (const b of sav.batches()) n += b.length;
    await sav.close();
    if (n !== cases) throw new Error(`read ${n} cases`);
  });
  const ours = await best(() => execFileSync('sh', ['-c', `node "${launcher}" "${file}" > "${out}"`]));
  const oursHash = execFileSync('sha256sum', [out]).toString().slice(0, 16);
  const pspp = await best(() => execFileSync('pspp-convert', [file, out], { stdio: 'ignore' }));
  const size = fs.statSync(file).size / 1e6;
  console.log(`${name.padEnd(22)} ${size.toFixed(1).padStart(6)}  ${rate(reader)}  ${rate(ours)}  ${rate(pspp)}  ${(ours / pspp).toFixed(2)}× (csv ${oursHash})`);
}
fs.rmSync(dir, { recursive: true, force: true });
