// Hearth's one way of making an HTTP request, on Node's own `http` and `https`
// modules. Not the global `fetch`: that loads Node's bundled undici, which
// costs a running Hearth about 14 MiB of resident memory for the same few
// requests to one homeserver (docs/benchmarks.md). Node's default agents keep
// connections alive between requests. The whole answer is read before the
// promise resolves: Hearth's answers are JSON documents and small thumbnails.
// `https` is loaded at the first https URL, not at start: with it comes `tls`,
// about 3 MiB of resident memory that a homeserver over plain HTTP never needs.
import http, { type IncomingHttpHeaders } from 'node:http';

export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Ends the request, and the wait for its answer, when aborted. */
  signal?: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
  bytes(): Promise<Uint8Array>;
}

export function httpRequest(url: URL | string, init: HttpInit = {}): Promise<HttpAnswer> {
  const target = typeof url === 'string' ? new URL(url) : url;
  const send = target.protocol === 'https:' ? process.getBuiltinModule('node:https').request : http.request;
  const body = typeof init.body === 'string' ? Buffer.from(init.body) : init.body;
  const headers = { ...init.headers, ...(body === undefined ? {} : { 'content-length': String(body.byteLength) }) };
  return new Promise((resolve, reject) => {
    const request = send(target, { method: init.method ?? 'GET', headers, ...(init.signal ? { signal: init.signal } : {}) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => { resolve(answer(response.statusCode ?? 0, response.headers, Buffer.concat(chunks))); });
      // Cut off before its end (the signal, or the server going away): never an answer.
      response.on('close', () => { if (!response.complete) reject(init.signal?.aborted ? abortReason(init.signal) : new Error(`the answer from ${target.host} was cut off`)); });
    });
    request.on('error', (error) => { reject(init.signal?.aborted ? abortReason(init.signal) : error); });
    request.end(body);
  });
}

function answer(status: number, headers: IncomingHttpHeaders, bytes: Buffer): HttpAnswer {
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: { get: (name) => headerValue(headers[name.toLowerCase()]) },
    text: () => Promise.resolve(bytes.toString('utf8')),
    // A body that is not JSON rejects, as fetch's does, rather than throwing where it is called.
    json: () => new Promise((ok) => { ok(JSON.parse(bytes.toString('utf8')) as unknown); }),
    bytes: () => Promise.resolve(new Uint8Array(bytes)),
  };
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The reason the signal was aborted with (a timeout's TimeoutError, the stop's own reason), as an Error. */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(`the request was aborted: ${String(reason)}`);
}
