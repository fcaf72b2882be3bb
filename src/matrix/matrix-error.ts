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

// Refusals that mean "not now" rather than "never": 401 and the token codes
// are about Hearth's own credentials, which the operator can put right; 408,
// 425, 429 and the limit codes ask for a later try.
const NOT_YET_STATUSES = new Set([401, 408, 425, 429]);
const NOT_YET_CODES = new Set(['M_LIMIT_EXCEEDED', 'M_RESOURCE_LIMIT_EXCEEDED', 'M_UNKNOWN_TOKEN', 'M_MISSING_TOKEN']);

/**
 * The homeserver's refusal, when it refused for good: a 4xx that asking again
 * cannot change (an event too large, an action the bot may not take). Looks
 * through `cause`, so a refusal wrapped by the code that met it still counts.
 */
export function permanentRefusal(error: unknown): MatrixError | null {
  for (let seen = error, depth = 0; seen instanceof Error && depth < 5; seen = seen.cause, depth++) {
    if (!(seen instanceof MatrixError)) continue;
    const status = seen.httpStatus;
    if (status < 400 || status >= 500 || NOT_YET_STATUSES.has(status) || NOT_YET_CODES.has(seen.errcode ?? '')) return null;
    return seen;
  }
  return null;
}

/** The homeserver's answer when an invitee refuses every invitation (MSC4380, Synapse 1.149 and later). */
export function isInviteBlocked(error: unknown): boolean {
  return error instanceof MatrixError && error.errcode === 'M_INVITE_BLOCKED';
}

/** A refusal in one line for the log and for people: `M_TOO_LARGE (413): event too large`. */
export function describeRefusal(error: MatrixError): string {
  return `${error.errcode ?? 'no errcode'} (${error.httpStatus}): ${error.data.error ?? error.message}`;
}
