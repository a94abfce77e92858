/**
 * HTTP(S) downloads that survive flaky connections: the body streams into a temporary file next to the
 * target and is renamed into place only when complete (and, when a hash is given, verified); a broken
 * connection resumes with `Range` guarded by `If-Range`, and falls back to a full restart when the server
 * ignores the range or the file changed; connection resets, 5xx answers, truncated bodies and stalls (no
 * bytes for `stallMs`) are retried with exponential backoff.
 *
 * Built on node:http(s) rather than fetch: fetch decodes `Content-Encoding` behind our back (byte offsets and
 * Content-Length would no longer describe what we write, which breaks Range resumes), follows redirects with
 * our secret headers attached, and hides the socket we need for a per-chunk stall watchdog.
 */
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { createHash, type Hash } from 'node:crypto';
import { withAtomicFile } from '../lib/atomic.js';
import { backoffDelay, defaultRetryPolicy, realSleep, type RetryPolicy, type Sleep } from './retry.js';
import { redact, sha256Mismatch } from './verify.js';

export interface TransferProgress {
  /** Bytes in the temporary file so far. */
  done: number;
  /** Expected size, when the server told us. */
  total?: number;
  /** Why the transfer is not simply progressing, e.g. a retry. */
  note?: string;
}

export interface DownloadOptions {
  /** Names the download in messages, e.g. a wave id. */
  label?: string;
  /** Extra request headers. Their values are treated as secrets: never part of any message. */
  headers?: Readonly<Record<string, string>>;
  /** Expected sha256 (lower-case hex) of the body. */
  sha256?: string;
  retry?: Partial<RetryPolicy>;
  /** Give up on an attempt when no byte (or no response) arrived for this long. */
  stallMs?: number;
  maxRedirects?: number;
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
  /** Injectable for tests: how to wait between attempts, and the jitter source. */
  sleep?: Sleep;
  random?: () => number;
}

export interface DownloadResult {
  sha256: string;
  size: number;
}

/** A failed download; `retriable` says whether another attempt may succeed, `status` is the HTTP status that ended it. */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(
    message: string,
    readonly retriable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** What survives between attempts: the bytes already on disk, their hash, and how to ask for the rest. */
interface TransferState {
  received: number;
  hash: Hash;
  /** Strong ETag or Last-Modified of the first response, for If-Range. */
  validator?: string;
  total?: number;
}

const defaultStallMs = 30_000;

/** The URL without user info, for messages and records. */
export function displayUrl(url: string | URL): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.href;
}

/** Downloads `url` to `target`; the target is untouched unless the whole (verified) body arrived. */
export async function download(url: string, target: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const secrets = Object.values(options.headers ?? {});
  const prefix = `${options.label ? `${options.label}: ` : ''}${displayUrl(url)}`;
  try {
    return await withAtomicFile(target, async (tmp) => {
      const result = await downloadToFile(new URL(url), tmp, options, prefix);
      if (options.sha256 && result.sha256 !== options.sha256) {
        throw sha256Mismatch(options.label ?? displayUrl(url), `download of ${displayUrl(url)}`, options.sha256, result.sha256);
      }
      return result;
    });
  } catch (err) {
    throw redact(err, secrets);
  }
}

async function downloadToFile(url: URL, tmp: string, options: DownloadOptions, prefix: string): Promise<DownloadResult> {
  const policy = { ...defaultRetryPolicy, ...options.retry };
  const sleep = options.sleep ?? realSleep;
  const state: TransferState = { received: 0, hash: createHash('sha256') };
  const fh = await fs.promises.open(tmp, 'w');
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await attemptTransfer(url, fh, state, options, prefix);
        break;
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason ?? err;
        const retriable = err instanceof DownloadError ? err.retriable : isConnectionError(err);
        const reason = err instanceof DownloadError ? err.message : `${prefix}: ${(err as Error).message}`;
        if (!retriable) throw err instanceof DownloadError ? err : new DownloadError(reason, false);
        if (attempt >= policy.attempts) {
          throw new DownloadError(`${reason} (gave up after ${attempt} attempts)`, false, err instanceof DownloadError ? err.status : undefined);
        }
        const wait = backoffDelay(attempt, policy, options.random);
        options.onProgress?.({ done: state.received, total: state.total, note: `retry ${attempt}/${policy.attempts - 1} in ${Math.round(wait)} ms` });
        await sleep(wait, options.signal);
      }
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { sha256: state.hash.digest('hex'), size: state.received };
}

/** One request: resumes when there is something to resume, appends to the file, throws on any trouble. */
async function attemptTransfer(url: URL, fh: fs.promises.FileHandle, state: TransferState, options: DownloadOptions, prefix: string): Promise<void> {
  const headers: Record<string, string> = { 'accept-encoding': 'identity', ...options.headers };
  if (state.received > 0 && state.validator === undefined) await restart(state, fh); // nothing to resume against
  const resuming = state.received > 0;
  if (resuming) {
    headers.range = `bytes=${state.received}-`;
    headers['if-range'] = state.validator!;
  }
  const watchdog = new Watchdog(options.stallMs ?? defaultStallMs);
  try {
    const { res, body, failure } = await openFollowingRedirects(url, headers, options, watchdog, prefix);
    const status = res.statusCode ?? 0;
    if (status === 206 && resuming) {
      const range = parseContentRange(res.headers['content-range']);
      const etag = strongEtag(res.headers.etag);
      const changed = etag !== undefined && state.validator!.startsWith('"') && etag !== state.validator;
      if (!range || range.start !== state.received || changed) {
        res.destroy();
        await restart(state, fh);
        throw new DownloadError(`${prefix}: the server answered the range request with a different part; restarting`, true);
      }
      if (range.total !== undefined) state.total = range.total;
    } else if (status === 200) {
      if (resuming) {
        // Range ignored, or If-Range found the file changed: what we hold is worthless.
        await restart(state, fh);
        options.onProgress?.({ done: 0, note: 'server sent the whole file again; restarting' });
      }
      state.validator = strongEtag(res.headers.etag) ?? res.headers['last-modified'];
      const length = Number(res.headers['content-length']);
      state.total = res.headers['content-length'] !== undefined && Number.isSafeInteger(length) ? length : undefined;
    } else {
      body.resume();
      if (status === 416) await restart(state, fh);
      const retriable = status === 408 || status === 416 || status === 425 || status === 429 || status >= 500;
      throw new DownloadError(`${prefix}: HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`, retriable, status);
    }
    for await (const chunk of body) {
      watchdog.stop(); // a slow disk is not a stalled server
      await fh.write(chunk, 0, chunk.length, state.received);
      state.hash.update(chunk);
      state.received += chunk.length;
      watchdog.kick();
      options.onProgress?.({ done: state.received, total: state.total });
    }
    const broken = failure();
    if (broken) throw broken;
    if (state.total !== undefined && state.received !== state.total) {
      throw new DownloadError(`${prefix}: body truncated: received ${state.received} of ${state.total} bytes`, true);
    }
  } catch (err) {
    if (watchdog.fired) throw new DownloadError(`${prefix}: stalled: no data for ${watchdog.ms} ms (received ${state.received} bytes)`, true);
    if (!(err instanceof DownloadError) && state.total !== undefined && state.received < state.total && isConnectionError(err)) {
      throw new DownloadError(`${prefix}: body truncated: received ${state.received} of ${state.total} bytes (connection ${(err as Error).message})`, true);
    }
    throw err;
  } finally {
    watchdog.stop();
  }
}

async function restart(state: TransferState, fh: fs.promises.FileHandle): Promise<void> {
  await fh.truncate(0);
  state.received = 0;
  state.hash = createHash('sha256');
  state.validator = undefined;
  state.total = undefined;
}

/** Sends the request; follows up to `maxRedirects` redirects, dropping our headers when the host changes. */
async function openFollowingRedirects(
  start: URL,
  headers: Record<string, string>,
  options: DownloadOptions,
  watchdog: Watchdog,
  prefix: string,
): Promise<Response> {
  const maxRedirects = options.maxRedirects ?? 5;
  let url = start;
  let sent = headers;
  for (let hop = 0; ; hop++) {
    const response = await send(url, sent, options.signal, watchdog);
    const { res } = response;
    const location = res.headers.location;
    if (!(res.statusCode && [301, 302, 303, 307, 308].includes(res.statusCode) && location)) return response;
    response.body.resume();
    if (hop >= maxRedirects) throw new DownloadError(`${prefix}: more than ${maxRedirects} redirects`, false);
    const next = new URL(location, url);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new DownloadError(`${prefix}: redirect to unsupported URL ${displayUrl(next)}`, false);
    }
    if (next.host !== url.host) {
      // Credentials belong to the host they were issued for.
      const own = new Set(Object.keys(options.headers ?? {}).map((k) => k.toLowerCase()));
      sent = Object.fromEntries(Object.entries(sent).filter(([k]) => !own.has(k.toLowerCase())));
    }
    url = next;
  }
}

/** A response whose body keeps every byte that arrived, even when the connection then broke. */
interface Response {
  res: http.IncomingMessage;
  body: PassThrough;
  /** Why the body ended early, once it has ended; undefined when it arrived complete. */
  failure(): Error | undefined;
}

function send(url: URL, headers: Record<string, string>, signal: AbortSignal | undefined, watchdog: Watchdog): Promise<Response> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, { headers, signal, agent: false }, (res) => {
      // Take the body now: a response destroyed by a broken connection discards what it buffered, and
      // the bytes that did arrive are worth keeping for the resume.
      const body = new PassThrough();
      let failure: Error | undefined;
      res.on('error', (err) => (failure ??= err));
      res.on('close', () => {
        if (!res.complete) failure ??= Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
        body.end();
      });
      res.pipe(body, { end: false });
      resolve({ res, body, failure: () => failure });
    });
    req.on('error', reject);
    watchdog.watch(req);
    req.end();
  });
}

/** Destroys the watched stream when `kick()` was not called for `ms`; covers both connect and body. */
class Watchdog {
  fired = false;
  private timer: NodeJS.Timeout | undefined;
  private target: { destroy(err?: Error): void } | undefined;
  constructor(readonly ms: number) {}
  watch(target: { destroy(err?: Error): void }): void {
    this.target = target;
    this.kick();
  }
  kick(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.target?.destroy(new Error('stalled'));
    }, this.ms);
  }
  stop(): void {
    clearTimeout(this.timer);
  }
}

function parseContentRange(value: string | undefined): { start: number; total?: number } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value?.trim() ?? '');
  if (!m) return undefined;
  return { start: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

/** Weak ETags may not be used in If-Range (RFC 9110 §13.1.5). */
function strongEtag(value: string | undefined): string | undefined {
  return value && !value.startsWith('W/') ? value : undefined;
}

const connectionCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE']);

function isConnectionError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  return connectionCodes.has(e?.code ?? '') || e?.message === 'aborted' || e?.message === 'socket hang up';
}
