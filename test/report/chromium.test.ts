/**
 * Opens the HTML report in headless Chromium and checks that every chart rendered, that the page logs no errors
 * and that it requests nothing beyond itself (test/helpers/chromium.ts; skipped without /usr/bin/chromium unless
 * PIPE_REQUIRE_CHROMIUM=1).
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { loadResults } from '../../survey/report.js';
import { reportHtml } from '../../survey/report-html.js';
import { CHROMIUM, chromiumAvailable, chromiumRequired, renderPage } from '../helpers/chromium.js';
import { tmp } from '../helpers/files.js';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/eval/report');
const title = 'report.html renders its SVG charts in headless Chromium, with no console errors and no network requests';

if (!chromiumAvailable && !chromiumRequired) {
  console.log(`${CHROMIUM} not found: skipping the browser check of the report (install Debian's chromium, or set PIPE_REQUIRE_CHROMIUM=1 to fail instead)`);
  test.skip(title, () => {});
} else {
  test(title, async (t) => {
    t.true(chromiumAvailable, `${CHROMIUM} is required (PIPE_REQUIRE_CHROMIUM=1) but not installed: apt-get install chromium`);
    if (!chromiumAvailable) return;
    const dir = tmp('report-chromium-');
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'report.html');
    fs.writeFileSync(file, await reportHtml(loadResults(path.join(fixtures, 'eval'), path.join(fixtures, 'bounds'))));
    const { charts, errors, requests } = await renderPage(file, dir);
    // Group charts: alpha's val and test in QA and BIO, beta's val, test and subpop_eval; the loss curve (one per
    // model, though two styles copy it); alpha-QA's scatter.
    t.is(charts.length, 9);
    charts.forEach((c, i) => {
      t.true(c.width > 100 && c.height > 100, `chart ${i} is ${c.width}×${c.height}`);
      t.true(c.marks > 0, `chart ${i} has no marks`);
    });
    t.deepEqual(errors, []);
    t.deepEqual(requests, []);
  });
}
