/**
 * Opens the HTML report in headless Chromium (Debian's `chromium`, driven by playwright-core; no browser is
 * ever downloaded) and checks that every chart rendered, that the page logs no errors and that it requests
 * nothing beyond itself. Without /usr/bin/chromium the test is skipped, unless PIPE_REQUIRE_CHROMIUM=1.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { loadResults } from '../../survey/report.js';
import { reportHtml } from '../../survey/report-html.js';
import { tmp } from '../helpers/files.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const fixtures = path.resolve(import.meta.dirname, '../fixtures/eval/report');

const available = fs.existsSync(CHROMIUM);
const required = process.env.PIPE_REQUIRE_CHROMIUM === '1';
const title = 'report.html renders its SVG charts in headless Chromium, with no console errors and no network requests';

if (!available && !required) {
  console.log(`${CHROMIUM} not found: skipping the browser check of the report (install Debian's chromium, or set PIPE_REQUIRE_CHROMIUM=1 to fail instead)`);
  test.skip(title, () => {});
} else {
  test(title, async (t) => {
    t.true(available, `${CHROMIUM} is required (PIPE_REQUIRE_CHROMIUM=1) but not installed: apt-get install chromium`);
    if (!available) return;
    const dir = tmp('report-chromium-');
    const file = path.join(dir, 'report.html');
    fs.writeFileSync(file, await reportHtml(loadResults(path.join(fixtures, 'eval'), path.join(fixtures, 'bounds'))));
    const url = pathToFileURL(file).href;

    const context = await chromium.launchPersistentContext(path.join(dir, 'profile'), { executablePath: CHROMIUM, headless: true, args: FLAGS });
    try {
      const errors: string[] = [];
      const requests: string[] = [];
      await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
      const page = await context.newPage();
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => r.url() !== url && requests.push(r.url()));
      await page.goto(url, { waitUntil: 'load' });

      const charts = await page.$$eval('svg', (svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          const marks = [...svg.querySelectorAll('g.role-mark')].reduce((n, g) => n + g.querySelectorAll('path, line, rect, text').length, 0);
          return { width: box.width, height: box.height, marks };
        }),
      );
      // Group charts: alpha's val and test in QA and BIO, beta's val, test and subpop_eval; the loss curve (one per
      // model, though two styles copy it); alpha-QA's scatter.
      t.is(charts.length, 9);
      charts.forEach((c, i) => {
        t.true(c.width > 100 && c.height > 100, `chart ${i} is ${c.width}×${c.height}`);
        t.true(c.marks > 0, `chart ${i} has no marks`);
      });
      t.deepEqual(errors, []);
      t.deepEqual(requests, []);
    } finally {
      await context.close();
    }
  });
}
