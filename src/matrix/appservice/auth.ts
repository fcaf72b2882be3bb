// Authenticates the homeserver. The hs_token arrives as a Bearer token; the
// legacy `access_token` query parameter is refused unless the operator turned it
// on. Tokens are compared through fixed-length digests in constant time, so
// neither their content nor their length leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../logging/logger.ts';
import { sendMatrixError } from './errors.ts';

export interface AuthOptions {
  hsToken: string;
  acceptLegacyQueryToken: boolean;
  log: Logger;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function tokensMatch(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

function presentedToken(req: Request, acceptLegacy: boolean): { token: string | null; legacyRefused: boolean } {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer (.+)$/i.exec(header);
    return { token: match?.[1] ?? null, legacyRefused: false };
  }
  const query: unknown = req.query.access_token;
  if (typeof query === 'string') return acceptLegacy ? { token: query, legacyRefused: false } : { token: null, legacyRefused: true };
  return { token: null, legacyRefused: false };
}

export function requireHomeserverToken(options: AuthOptions) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const { token, legacyRefused } = presentedToken(req, options.acceptLegacyQueryToken);
    if (token === null) {
      const reason = legacyRefused
        ? 'the access_token query parameter is not accepted; send the hs_token as "Authorization: Bearer"'
        : 'missing hs_token: send it as "Authorization: Bearer"';
      options.log.warn('refused a homeserver request without a usable token', { path: req.path, legacy_query_parameter: legacyRefused });
      sendMatrixError(res, 401, 'M_UNAUTHORIZED', reason);
      return;
    }
    if (!tokensMatch(token, options.hsToken)) {
      options.log.warn('refused a homeserver request with a wrong hs_token', { path: req.path, remote: req.socket.remoteAddress });
      sendMatrixError(res, 403, 'M_FORBIDDEN', 'wrong hs_token');
      return;
    }
    next();
  };
}
