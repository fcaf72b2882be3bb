// A refusal from the homeserver, as the Matrix spec shapes it: the HTTP status,
// `errcode` and `error`, and whatever else its JSON carried (retry_after_ms).
export interface MatrixErrorJson {
  errcode?: string;
  error?: string;
  retry_after_ms?: number;
  [key: string]: unknown;
}

export class MatrixError extends Error {
  readonly errcode: string | undefined;
  readonly httpStatus: number;
  readonly data: MatrixErrorJson;

  constructor(data: MatrixErrorJson, httpStatus: number) {
    super(`MatrixError: [${httpStatus}] ${data.error ?? 'Unknown message'}`);
    this.name = 'MatrixError';
    this.errcode = data.errcode;
    this.httpStatus = httpStatus;
    this.data = data;
  }

  /** The error an answer carries; a body that is not Matrix JSON (a proxy's page) keeps its start as the message. */
  static fromResponse(status: number, body: string, retryAfter: string | null): MatrixError {
    let data: MatrixErrorJson;
    try {
      const parsed: unknown = JSON.parse(body);
      data = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as MatrixErrorJson) : { error: body.slice(0, 200) };
    } catch {
      data = { error: body.slice(0, 200) };
    }
    // The Retry-After header replaces retry_after_ms in newer spec versions; either will do.
    const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
    if (data.retry_after_ms === undefined && Number.isFinite(seconds) && seconds >= 0) data = { ...data, retry_after_ms: seconds * 1000 };
    return new MatrixError(data, status);
  }
}

/** How long the homeserver asked us to wait, when it rate-limited a request (429). */
export function rateLimitDelayMs(error: unknown): number | null {
  if (!(error instanceof MatrixError) || (error.httpStatus !== 429 && error.errcode !== 'M_LIMIT_EXCEEDED')) return null;
  const retry: unknown = error.data.retry_after_ms;
  return typeof retry === 'number' && retry >= 0 ? retry : 1_000;
}
