// Small HTTP helpers over the built-in fetch. Every request has a timeout so a
// wedged server makes the testbed fail with a message instead of hanging.
import { setTimeout as sleep } from 'node:timers/promises';

const REQUEST_TIMEOUT_MS = 15_000;

export class HttpError extends Error {
  readonly status: number;
  readonly body: string;

  constructor(method: string, url: string, status: number, body: string) {
    super(`${method} ${url} answered ${status}: ${body.slice(0, 500)}`);
    this.status = status;
    this.body = body;
  }
}

export type RequestOptions = {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  accessToken?: string;
  timeoutMs?: number;
};

/** Sends a JSON request and returns the parsed JSON answer; non-2xx throws HttpError. */
export async function requestJson(url: string, options: RequestOptions = {}): Promise<unknown> {
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.accessToken !== undefined) headers.authorization = `Bearer ${options.accessToken}`;
  const response = await fetch(url, {
    method,
    headers,
    signal: AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS),
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new HttpError(method, url, response.status, text);
  return text === '' ? {} : (JSON.parse(text) as unknown);
}

/** True when a GET answers 2xx within a short timeout. */
export async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Polls `probe` until it returns a value other than undefined, or throws once
 * `timeoutMs` has passed. `probe` may throw to give up early.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 250): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(intervalMs);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a string field from an untyped JSON answer, or fails naming the field. */
export function stringField(value: unknown, field: string, what: string): string {
  const found = isRecord(value) ? value[field] : undefined;
  if (typeof found !== 'string') throw new Error(`${what}: expected a string "${field}" in ${JSON.stringify(value)}`);
  return found;
}
