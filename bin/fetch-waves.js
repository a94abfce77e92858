#!/usr/bin/env node
// Runs the compiled CLI from dist/ when the package was built, otherwise the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/net/cli.js', import.meta.url);
let cli;
if (existsSync(compiled)) {
  cli = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../net/cli.ts', import.meta.url).href);
}
process.exitCode = await cli.main(process.argv.slice(2));
