// The HTTP side of the application service: the routes the homeserver calls,
// plus a health probe for operators and the testbed.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../../logging/logger.ts';
import type { InboxStore } from '../../store/inbox-store.ts';
import { requireHomeserverToken } from './auth.ts';
import { sendMatrixError } from './errors.ts';
import { handleTransaction } from './transactions.ts';
import { BodyError, jsonBody } from './json-body.ts';
import type { DeviceChanges } from './device-changes.ts';

export interface HealthReport {
  status: 'ok' | 'starting' | 'stopping';
  bot_user_id: string;
  admin_room_id: string | null;
}

export interface AppserviceServerOptions {
  hsToken: string;
  acceptLegacyQueryToken: boolean;
  maxBodyBytes: number;
  inbox: InboxStore;
  log: Logger;
  onRecorded: () => void;
  /** See TransactionHandlerOptions. */
  absorbDeviceChanges?: ((changes: DeviceChanges) => Promise<void>) | undefined;
  health: () => HealthReport;
  /** False once Hearth is stopping: transactions are then answered 503, and the homeserver keeps them. */
  accepting?: () => boolean;
  /** See TransactionHandlerOptions. */
  holdMs?: number;
  holdRetryMs?: number;
  now?: () => number;
}

function answerBodyError(res: Response, error: BodyError): void {
  switch (error.problem) {
    case 'too-large': sendMatrixError(res, 413, 'M_TOO_LARGE', 'the request body is larger than appservice.max_body_bytes'); return;
    case 'not-json': sendMatrixError(res, 400, 'M_NOT_JSON', 'the request body is not valid JSON'); return;
    case 'unsupported-encoding': sendMatrixError(res, 415, 'M_UNKNOWN', `the request body cannot be read: ${error.message}`); return;
  }
}

function bodyErrors(log: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (error instanceof BodyError) {
      answerBodyError(res, error);
      return;
    }
    log.error('unexpected error while handling a homeserver request', { path: req.path, error });
    sendMatrixError(res, 500, 'M_UNKNOWN', 'internal error');
  };
}

export function createAppserviceApp(options: AppserviceServerOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const log = options.log;
  const api = express.Router();
  api.use(requireHomeserverToken({ hsToken: options.hsToken, acceptLegacyQueryToken: options.acceptLegacyQueryToken, log }));
  // Parse every body as JSON whatever its Content-Type: the homeserver is the only caller.
  api.use(jsonBody(options.maxBodyBytes));
  api.put('/transactions/:txnId', (_req, res, next) => {
    if (options.accepting?.() === false) sendMatrixError(res, 503, 'M_UNAVAILABLE', 'Hearth is stopping; retry later');
    else next();
  }, handleTransaction({
    inbox: options.inbox,
    log,
    onRecorded: options.onRecorded,
    now: options.now ?? Date.now,
    absorbDeviceChanges: options.absorbDeviceChanges,
    holdMs: options.holdMs,
    holdRetryMs: options.holdRetryMs,
    accepting: options.accepting,
  }));
  api.post('/ping', (_req, res) => {
    res.status(200).json({});
  });
  // Hearth's bot users are registered at start-up and it owns no lazily created aliases.
  api.get('/users/:userId', (_req, res) => {
    sendMatrixError(res, 404, 'M_NOT_FOUND', 'Hearth creates no users on demand');
  });
  api.get('/rooms/:alias', (_req, res) => {
    sendMatrixError(res, 404, 'M_NOT_FOUND', 'Hearth creates no rooms on demand');
  });
  api.use((_req, res) => {
    sendMatrixError(res, 404, 'M_UNRECOGNIZED', 'unrecognised appservice request');
  });
  app.use('/_matrix/app/v1', api);
  app.get('/_hearth/health', (_req, res) => {
    const report = options.health();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
  app.use((_req, res) => {
    sendMatrixError(res, 404, 'M_UNRECOGNIZED', 'unrecognised request');
  });
  app.use(bodyErrors(log));
  return app;
}
