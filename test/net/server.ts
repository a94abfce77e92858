/**
 * A misbehaving file server on 127.0.0.1 for download tests. Each request takes the next behaviour from
 * `plan` (then behaves), and every request is logged so tests can check what the client really asked for.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour =
  | 'ok'
  /** Send this many body bytes, then drop the connection. */
  | { drop: number }
  /** Send this many body bytes, then reset the connection (TCP RST). */
  | { reset: number }
  /** Send this many body bytes, then close the connection cleanly although Content-Length promised more. */
  | { short: number }
  /** Send this many body bytes (or none, before the headers when `beforeHeaders`), then go silent. */
  | { stall: number; beforeHeaders?: boolean }
  | { status: number }
  /** Send the body with one byte flipped. */
  | 'corrupt'
  /** Answer with a redirect to this URL. */
  | { redirect: string };

export interface FileServerOptions {
  body: Buffer;
  /** Bodies by URL path (e.g. `/r/data/a.json`): a request for another path gets 404, one for these its body. */
  bodies?: Record<string, Buffer>;
  plan?: Behaviour[];
  etag?: string;
  lastModified?: string;
  /** Answer every range request with the whole file (status 200), like servers without range support. */
  ignoreRange?: boolean;
  /** Requests without this exact header get 403. */
  require?: { header: string; value: string };
  /** Called before answering request number `index` (0-based); may change these options. */
  onRequest?(index: number, options: FileServerOptions): void;
}

export interface LoggedRequest {
  url: string;
  range?: string;
  ifRange?: string;
  headers: http.IncomingHttpHeaders;
  status: number;
}

export interface TestServer {
  url: string;
  host: string;
  log: LoggedRequest[];
  options: FileServerOptions;
  close(): Promise<void>;
}

export async function fileServer(options: FileServerOptions): Promise<TestServer> {
  const log: LoggedRequest[] = [];
  const plan = [...(options.plan ?? [])];
  const server = http.createServer((req, res) => {
    options.onRequest?.(log.length, options);
    const behaviour = plan.shift() ?? 'ok';
    const entry: LoggedRequest = { url: req.url ?? '', range: req.headers.range, ifRange: req.headers['if-range'] as string | undefined, headers: req.headers, status: 0 };
    log.push(entry);
    const reply = (status: number, headers: http.OutgoingHttpHeaders = {}) => {
      entry.status = status;
      res.writeHead(status, headers);
    };
    const given = options.require && req.headers[options.require.header.toLowerCase()];
    if (options.require && given !== options.require.value) {
      // Careless servers echo what they were sent, so the reason phrase carries the (wrong) credential.
      entry.status = 403;
      res.writeHead(403, `Forbidden: bad ${options.require.header} ${given}`);
      return res.end('forbidden');
    }
    if (typeof behaviour === 'object' && 'status' in behaviour) {
      reply(behaviour.status);
      return res.end('error page');
    }
    if (typeof behaviour === 'object' && 'redirect' in behaviour) {
      reply(302, { location: behaviour.redirect });
      return res.end();
    }
    if (typeof behaviour === 'object' && 'stall' in behaviour && behaviour.beforeHeaders) return; // never answers
    const body = options.bodies ? options.bodies[decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)] : options.body;
    if (!body) {
      reply(404);
      return res.end('not found');
    }
    const validators: http.OutgoingHttpHeaders = {};
    if (options.etag) validators.etag = options.etag;
    if (options.lastModified) validators['last-modified'] = options.lastModified;
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    const validatorOk = ifRange === undefined || ifRange === options.etag || ifRange === options.lastModified;
    if (m && !options.ignoreRange && validatorOk) {
      start = Number(m[1]);
      if (start >= body.length) {
        reply(416, { 'content-range': `bytes */${body.length}` });
        return res.end();
      }
      reply(206, { ...validators, 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
    } else {
      reply(200, { ...validators, 'content-length': body.length });
    }
    let part = body.subarray(start);
    if (behaviour === 'corrupt') {
      part = Buffer.from(part);
      part[part.length >> 1] ^= 0xff;
    }
    if (typeof behaviour === 'object' && 'drop' in behaviour) {
      res.write(part.subarray(0, behaviour.drop), () => res.socket?.destroy());
    } else if (typeof behaviour === 'object' && 'reset' in behaviour) {
      res.write(part.subarray(0, behaviour.reset), () => res.socket?.resetAndDestroy());
    } else if (typeof behaviour === 'object' && 'short' in behaviour) {
      res.write(part.subarray(0, behaviour.short), () => res.socket?.end());
    } else if (typeof behaviour === 'object' && 'stall' in behaviour) {
      res.write(part.subarray(0, behaviour.stall)); // and nothing more until the client gives up
    } else {
      res.end(part);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/files/ATP%20W92.sav`,
    host: `127.0.0.1:${port}`,
    log,
    options,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Deterministic, non-repeating test bytes (a linear congruential sequence), so offsets matter. */
export function testBytes(n: number, seed = 1): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Runs `body` against a fresh server and always closes it. */
export async function withServer(options: FileServerOptions, body: (s: TestServer) => Promise<void>): Promise<void> {
  const s = await fileServer(options);
  try {
    await body(s);
  } finally {
    await s.close();
  }
}
