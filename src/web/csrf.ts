// Cross-site request forgery protection for every form Hearth serves: a signed
// double submit. Each browser gets a random id in a cookie that only this site
// can set (HttpOnly, SameSite=Strict); every form carries a token that is the
// HMAC of that id under a key derived from the config. Another site can make
// a browser send the cookie at most, never read it or compute the token, so a
// form it submits fails the check.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const CSRF_COOKIE = 'hearth_form';
export const CSRF_FIELD = '_csrf';

export class CsrfTokens {
  private readonly key: Buffer;

  /** `secret`: a stable secret of this deployment; the key is derived from it so that it is never used for anything else. */
  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('hearth web form tokens').digest();
  }

  /** A fresh browser id, for the cookie. */
  static newBrowserId(): string {
    return randomBytes(24).toString('base64url');
  }

  /** The token a form carries for a browser with this id. */
  tokenFor(browserId: string): string {
    return createHmac('sha256', this.key).update(browserId).digest('base64url');
  }

  /** Whether a form's token belongs to the browser that sent it. */
  verify(browserId: string | undefined, token: unknown): boolean {
    if (!browserId || typeof token !== 'string' || token === '') return false;
    const expected = Buffer.from(this.tokenFor(browserId));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** One cookie's value from a Cookie header; undefined when absent. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}
