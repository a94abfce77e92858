/** Runs a CLI's `main` in-process; returns its exit code and what it wrote to stderr. */
export async function runCli(main: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; stderr: string }> {
  const chunks: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((s: string) => chunks.push(String(s)) > 0) as typeof process.stderr.write;
  try {
    return { code: await main(argv), stderr: chunks.join('') };
  } finally {
    process.stderr.write = write;
  }
}
