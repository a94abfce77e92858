/** Hash checks and the hygiene of messages that leave the download code. */
import fs from 'node:fs';
import { createHash } from 'node:crypto';

export class Sha256MismatchError extends Error {
  override readonly name = 'Sha256MismatchError';
}

/** `label: sha256 mismatch for what: expected …, actual …` — names everything needed to act on it. */
export function sha256Mismatch(label: string, what: string, expected: string, actual: string): Sha256MismatchError {
  return new Sha256MismatchError(`${label}: sha256 mismatch for ${what}: expected ${expected}, actual ${actual}`);
}

export async function sha256File(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/**
 * Replaces every occurrence of a secret (a header value) in the error's message and stack, and drops its
 * `cause`, which could carry the secret further. Returns the same, now clean, error.
 */
export function redact(err: unknown, secrets: readonly string[]): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  const live = secrets.filter((s) => s.length > 0);
  if (!live.some((s) => e.message.includes(s) || (e.stack ?? '').includes(s))) return e;
  for (const s of live) {
    e.message = e.message.replaceAll(s, '[redacted]');
    e.stack = e.stack?.replaceAll(s, '[redacted]');
  }
  delete (e as { cause?: unknown }).cause;
  return e;
}
