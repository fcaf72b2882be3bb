// Logging in to the web pages with one's Matrix account: the login form, the
// session it starts, and logging out. Hearth logs in to the homeserver with
// the typed password, confirms the account with `whoami`, and keeps only the
// access token, in the session (session-store.ts). The browser holds a random
// session id in a cookie: HttpOnly, SameSite=Lax, Secure behind TLS, and as
// long-lived as the session, which ends a fixed time after the login.
import { createHmac } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import session from 'express-session';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Standing } from '../../onboarding/agreement.ts';
import type { Logger } from '../../logging/logger.ts';
import { errorText } from '../../matrix/retry.ts';
import { CSRF_FIELD } from '../csrf.ts';
import type { PageKit } from '../server.ts';
import { admit, readUsername, refusalMessage, type Refusal } from './admission.ts';
import type { HomeserverAccounts } from './homeserver-account.ts';
import { BoundedSessionStore } from './session-store.ts';

declare module 'express-session' {
  interface SessionData {
    /** What the last action answered, shown once on the next page. */
    flash?: { ok: boolean; text: string };
  }
}

export const SESSION_COOKIE = 'hearth_session';
/** The device name members see in their client's session list. */
export const DEVICE_NAME = 'Hearth web pages';
const LOGIN_WINDOW_MS = 15 * 60_000;
/** Failed logins per address, and per account, in the window: enough for typos, too few for guessing. */
const FAILED_LOGINS = 10;
/** Sessions kept at most; the oldest is logged out to make room (a community has far fewer members). */
const MAX_SESSIONS = 2000;

export interface WebSessionsOptions {
  serverName: string;
  botUserId: string;
  secret: string;
  /** Whether the pages are served over TLS (web.public_base_url is https): then cookies are Secure. */
  secure: boolean;
  lifetimeHours: number;
  accounts: HomeserverAccounts;
  isMember: (userId: string) => boolean;
  standing: (userId: string) => Promise<Standing>;
  log: Logger;
}

export interface SignedIn {
  userId: string;
  accessToken: string;
}

function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

export class WebSessions {
  private readonly o: WebSessionsOptions;
  readonly store: BoundedSessionStore;
  /** express-session, for the paths that have sessions: only those set its cookie. */
  readonly middleware: RequestHandler;

  constructor(options: WebSessionsOptions) {
    this.o = options;
    const lifetimeMs = options.lifetimeHours * 3_600_000;
    this.store = new BoundedSessionStore({ lifetimeMs, maxSessions: MAX_SESSIONS, onEnd: (ended) => this.logOut(ended) });
    this.middleware = session({
      name: SESSION_COOKIE,
      secret: createHmac('sha256', options.secret).update('hearth web sessions').digest('base64url'),
      store: this.store,
      resave: false,
      saveUninitialized: false,
      rolling: false,
      // Behind TLS the reverse proxy's X-Forwarded-Proto says the request was secure.
      proxy: options.secure,
      cookie: { httpOnly: true, sameSite: 'lax', secure: options.secure, maxAge: lifetimeMs, path: '/' },
    });
  }

  private async logOut(ended: { userId: string; accessToken: string }): Promise<void> {
    try {
      await this.o.accounts.logout(ended.accessToken);
    } catch (error) {
      this.o.log.warn('could not log a web session\'s token out at the homeserver', { user_id: ended.userId, error: errorText(error) });
    }
  }

  /** The member signed in with this request, if any. */
  static signedIn(req: Request): SignedIn | null {
    const data = req.session as Partial<session.SessionData> | undefined;
    return data?.userId && data.accessToken ? { userId: data.userId, accessToken: data.accessToken } : null;
  }

  /** Tries a login; the member's user ID, or why not. */
  async attempt(typed: string, password: string): Promise<{ userId: string; accessToken: string } | { refusal: Refusal; typedServer?: string }> {
    const name = readUsername(typed, this.o.serverName);
    if (name.kind === 'other server') return { refusal: 'other server', typedServer: name.server };
    if (name.kind !== 'local') return { refusal: name.kind };
    if (password === '') return { refusal: 'wrong password' };
    const login = await this.o.accounts.login(name.localpart, password, DEVICE_NAME);
    if (login.kind === 'refused') {
      if (login.reason === 'homeserver unavailable') this.o.log.warn('the homeserver refused a web login unexpectedly', { detail: login.detail });
      return { refusal: login.reason };
    }
    const ended = { userId: login.userId, accessToken: login.accessToken };
    try {
      const account = await this.o.accounts.whoami(login.accessToken);
      const verdict = account.userId === login.userId ? admit(account, { isMember: this.o.isMember, standing: await this.o.standing(account.userId) }) : 'homeserver unavailable';
      if (verdict !== 'member') {
        await this.logOut(ended);
        return { refusal: verdict };
      }
    } catch (error) {
      await this.logOut(ended);
      throw error;
    }
    return ended;
  }

  routes(router: Router, kit: PageKit): void {
    const show = (req: Request, res: Response, problem: string | null, username: string, status = 200): void => {
      kit.render(res, 'members/login', {
        title: 'Log in', out: req.method === 'GET' && req.query.out === '1', csrfField: CSRF_FIELD, csrf: kit.formToken(req, res), serverName: this.o.serverName, problem, username,
      }, status);
    };
    const failedLogins = (keyOf: (req: Request) => string): RequestHandler => rateLimit({
      windowMs: LOGIN_WINDOW_MS, limit: FAILED_LOGINS, skipSuccessfulRequests: true, standardHeaders: 'draft-8', legacyHeaders: false,
      keyGenerator: keyOf,
      handler: (req, res) => { show(req, res, 'Too many failed logins from here or for this account. Wait a quarter of an hour, then try again.', '', 429); },
    });
    const byAddress = failedLogins((req) => `address:${ipKeyGenerator(req.ip ?? '')}`);
    const byAccount = failedLogins((req) => `account:${field(req.body, 'username').trim().toLowerCase().slice(0, 255)}`);

    router.get('/login', (req, res) => {
      if (WebSessions.signedIn(req)) {
        res.redirect(303, '/members');
        return;
      }
      show(req, res, null, '');
    });
    router.post('/login', byAddress, byAccount, async (req: Request, res: Response, next: NextFunction) => {
      const typed = field(req.body, 'username').slice(0, 255);
      const outcome = await this.attempt(typed, field(req.body, 'password'));
      if ('refusal' in outcome) {
        this.o.log.info('refused a web login', { reason: outcome.refusal });
        const message = refusalMessage(outcome.refusal, { serverName: this.o.serverName, botUserId: this.o.botUserId, ...(outcome.typedServer ? { typedServer: outcome.typedServer } : {}) });
        show(req, res, message, typed, outcome.refusal === 'too many attempts' ? 429 : 403);
        return;
      }
      // A new session id at login, so an id planted in the browser before cannot ride on it.
      req.session.regenerate((error: unknown) => {
        if (error) {
          next(error);
          return;
        }
        req.session.userId = outcome.userId;
        req.session.accessToken = outcome.accessToken;
        req.session.loggedInAt = Date.now();
        req.session.save((saveError: unknown) => {
          if (saveError) {
            next(saveError);
            return;
          }
          this.o.log.info('a member logged in on the web', { user_id: outcome.userId });
          res.redirect(303, '/members');
        });
      });
    });
    router.post('/logout', (req, res, next) => {
      const who = WebSessions.signedIn(req);
      req.session.destroy((error: unknown) => {
        if (error) {
          next(error);
          return;
        }
        res.clearCookie(SESSION_COOKIE, { path: '/' });
        if (who) this.o.log.info('a member logged out on the web', { user_id: who.userId });
        res.redirect(303, '/login?out=1');
      });
    });
  }
}
