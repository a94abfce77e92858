// Runs a CLI module of this package: compiled from dist/ after `npm run build` (fast start), otherwise the
// TypeScript source through tsx. `module` is the source path without extension, e.g. 'runner/cli';
// `built`, when given, is the compiled file to prefer under dist/ (a bundle).
import { existsSync } from 'node:fs';

export async function launch(module, built = module) {
  const compiled = new URL(`../dist/${built}.js`, import.meta.url);
  let cli;
  if (existsSync(compiled)) cli = await import(compiled.href);
  else {
    const { register } = await import('tsx/esm/api');
    register();
    cli = await import(new URL(`../${module}.ts`, import.meta.url).href);
  }
  process.exitCode = await cli.main(process.argv.slice(2));
}
