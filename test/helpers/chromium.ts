/**
 * Opens a page in headless Chromium (Debian's `chromium`, driven by playwright-core; no browser is ever
 * downloaded) and measures its SVG charts, console errors and requests beyond the page itself. Without
 * /usr/bin/chromium the tests that use it are skipped, unless PIPE_REQUIRE_CHROMIUM=1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export const chromiumAvailable = fs.existsSync(CHROMIUM);
export const chromiumRequired = process.env.PIPE_REQUIRE_CHROMIUM === '1';

export interface RenderedPage {
  charts: { width: number; height: number; marks: number }[];
  errors: string[];
  requests: string[];
}

/** Loads `file` (a page written into `dir`; the browser profile goes there too) and inspects its charts. */
export async function renderPage(file: string, dir: string): Promise<RenderedPage> {
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
    return { charts, errors, requests };
  } finally {
    await context.close();
  }
}
