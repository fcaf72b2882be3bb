// Hearth's web listener: the pages people open in a browser (the sign-up page
// of an invitation link, and any later page), apart from the listener that
// only the homeserver talks to. Domains add their pages through `WebPages`;
// this file owns what every page shares: security headers (a CSP that allows
// no script at all and nothing from another site), a form token on every
// form, rate limits per address, the stylesheet, and the error pages.
import { once } from 'node:events';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logging/logger.ts';
import { cookieValue, CSRF_COOKIE, CSRF_FIELD, CsrfTokens } from './csrf.ts';
import { Views } from './views.ts';

const ASSETS = fileURLToPath(new URL('./assets', import.meta.url));
const FORM_BODY_LIMIT = '16kb';

/** What a domain's pages get to render and protect their forms. */
export interface PageKit {
  /** Renders views/<view>.eta with `data` (escaped by default). */
  render(res: Response, view: string, data: object, status?: number): void;
  /** The token to put in the form's `_csrf` field; sets the browser's cookie when it has none. */
  formToken(req: Request, res: Response): string;
  /** The community's name, for page titles. */
  communityName: string;
}

/** A domain's pages: routes added to the listener's router. */
export type WebPages = (router: Router, kit: PageKit) => void;

export interface WebListener {
  readonly port: number;
  /** Takes no new connections and resolves once the requests in hand are answered. */
  close(): Promise<void>;
  /** Cuts whatever is still open (the stop's deadline). */
  halt(): void;
}

export interface WebOptions {
  config: Config;
  pages: readonly WebPages[];
  log: Logger;
}

function contentSecurityPolicy(secure: boolean): Record<string, string[] | null> {
  return {
    'default-src': ["'none'"],
    'style-src': ["'self'"],
    'img-src': ["'self'"],
    'form-action': ["'self'"],
    'base-uri': ["'none'"],
    'frame-ancestors': ["'none'"],
    // Only behind TLS: on plain http it would send forms to an https address nobody serves.
    'upgrade-insecure-requests': secure ? [] : null,
  };
}

/** The express app of the web listener, without listening: tests mount it as they like. */
export function createWebApp({ config, pages, log }: WebOptions): express.Express {
  const secure = config.web.public_base_url.startsWith('https://');
  const tokens = new CsrfTokens(config.appservice.hs_token);
  const views = new Views();
  const app = express();
  app.disable('x-powered-by');
  if (config.web.trust_proxy) app.set('trust proxy', 'loopback');
  app.use(helmet({
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(secure) },
    strictTransportSecurity: secure,
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
  }));

  const page = (res: Response, view: string, data: object, status = 200): void => {
    res.status(status).type('html').set('cache-control', 'no-store')
      .send(views.render(view, { communityName: config.community.name, ...data }));
  };
  const refuse = (res: Response, status: number, title: string, message: string): void => {
    page(res, 'error', { title, message }, status);
  };

  app.use('/assets', express.static(ASSETS, { index: false, maxAge: '1h', fallthrough: false }));
  app.use(rateLimit({
    windowMs: 60_000, limit: config.web.pages_per_minute, standardHeaders: 'draft-8', legacyHeaders: false,
    skip: (req) => req.method === 'POST',
    handler: (_req, res) => { refuse(res, 429, 'Too many requests', 'This address has loaded too many pages in the last minute. Wait a minute, then try again.'); },
  }));
  app.use(rateLimit({
    windowMs: 3_600_000, limit: config.web.submissions_per_hour, standardHeaders: 'draft-8', legacyHeaders: false,
    skip: (req) => req.method !== 'POST',
    handler: (_req, res) => { refuse(res, 429, 'Too many attempts', 'This address has sent too many forms in the last hour. Wait an hour, then try again.'); },
  }));
  app.use(express.urlencoded({ extended: false, limit: FORM_BODY_LIMIT, parameterLimit: 20 }));
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST') {
      next();
      return;
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (tokens.verify(cookieValue(req.headers.cookie, CSRF_COOKIE), body[CSRF_FIELD])) {
      next();
      return;
    }
    log.info('refused a form without a valid form token', { path: req.path });
    refuse(res, 403, 'This form could not be accepted', 'The form was sent without the token this site gave it (it may have come from another site, or your browser does not keep cookies). Go back, reload the page and send the form again.');
  });

  const kit: PageKit = {
    render: page,
    communityName: config.community.name,
    formToken(req, res) {
      let browserId = cookieValue(req.headers.cookie, CSRF_COOKIE);
      if (!browserId || !/^[A-Za-z0-9_-]{16,64}$/.test(browserId)) {
        browserId = CsrfTokens.newBrowserId();
        res.cookie(CSRF_COOKIE, browserId, { httpOnly: true, sameSite: 'strict', secure, path: '/' });
      }
      return tokens.tokenFor(browserId);
    },
  };
  const router = express.Router();
  for (const add of pages) add(router, kit);
  app.use(router);

  app.use((_req: Request, res: Response) => {
    refuse(res, 404, 'Not found', 'There is no page at this address.');
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : 500;
    if (status < 500) {
      refuse(res, status, 'This request could not be read', 'Go back, reload the page and try again.');
      return;
    }
    const id = randomBytes(4).toString('hex');
    log.error('a page failed', { error_id: id, path: req.path, error });
    refuse(res, 500, 'Something went wrong', `Hearth could not show this page (error id ${id}). Try again in a moment; if it keeps happening, tell your admin the error id.`);
  });
  return app;
}

/** Starts the web listener on web.bind_address and web.port. */
export async function startWebListener(options: WebOptions): Promise<WebListener> {
  const app = createWebApp(options);
  const server: Server = app.listen(options.config.web.port, options.config.web.bind_address);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  options.log.info('web listener started', { address: options.config.web.bind_address, port, public_base_url: options.config.web.public_base_url });
  const closed = new Promise<void>((resolve) => { server.once('close', () => { resolve(); }); });
  let closing = false;
  // A browser keeps its connection open after a page; once stopping, each one is closed as soon as its answer is out.
  server.on('request', (_req, res: ServerResponse) => {
    res.once('finish', () => { if (closing) setImmediate(() => { server.closeIdleConnections(); }); });
  });
  return {
    port,
    async close() {
      closing = true;
      server.close();
      server.closeIdleConnections();
      await closed;
    },
    halt() {
      server.closeAllConnections();
    },
  };
}
