#!/usr/bin/env node
// Runs the compiled CLI after `npm run build` (fast start); from a source checkout without it, the TypeScript.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/runner/cli.js', import.meta.url);
let cli;
if (existsSync(compiled)) cli = await import(compiled.href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../runner/cli.ts', import.meta.url).href);
}
process.exitCode = await cli.main(process.argv.slice(2));
