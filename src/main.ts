// The composition root: start(config) wires every part of Hearth together and
// returns a handle to stop it. Tests boot the real application through here.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from './config/load.ts';
import { unsafeValues } from './config/safety.ts';
import type { Config } from './config/schema.ts';
import { configureLogging, createLogger } from './logging/logger.ts';
import { createHomeserverClient } from './matrix/client.ts';
import { createAppserviceApp, type HealthReport } from './matrix/appservice/server.ts';
import { EventRouter } from './matrix/inbox/router.ts';
import { InboxWorker } from './matrix/inbox/worker.ts';
import { waitForHomeserver, checkHomeserverReachesUs } from './matrix/startup-checks.ts';
import { openDatabase, type Database } from './store/database.ts';
import { migrateToLatest } from './store/migrate.ts';
import { createInboxStore } from './store/inbox-store.ts';
import { buildDomains, mainBotUserId, ownBotCheck, talkingBots } from './domains.ts';
import { EncryptionSwitch } from './matrix/crypto/switch.ts';
import { StopSignal, within } from './lifecycle/stop-signal.ts';
import { startMemoryRelease } from './lifecycle/memory-release.ts';
import type { MatrixEvent } from './matrix/event.ts';
import type { Delivery } from './matrix/inbox/router.ts';
import type { WebListener } from './web/index.ts';

export interface Hearth {
  readonly botUserId: string;
  readonly adminRoomId: string;
  /** The port the transaction listener actually bound (differs from config when it asked for 0). */
  readonly port: number;
  /** The port the web listener bound; null when web.enabled is false. */
  readonly webPort: number | null;
  readonly db: Database;
  /** Resolves once every received event that is due has been processed. */
  inboxIdle(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Skip the homeserver and the community set-up: for tests of the listener alone. */
  listenerOnly?: boolean;
  /** Registers extra event handlers, after Hearth's own: lets tests observe processing. */
  extraRoutes?: (router: EventRouter) => void;
}

/** After the hard stop, how long the worker and domains get to notice their requests were cut. */
const HARD_STOP_GRACE_MS = 1_000;

async function listen(app: ReturnType<typeof createAppserviceApp>, config: Config): Promise<Server> {
  const server = app.listen(config.appservice.port, config.appservice.bind_address);
  await once(server, 'listening');
  return server;
}

export async function start(config: Config, options: StartOptions = {}): Promise<Hearth> {
  configureLogging(config.logging);
  const log = createLogger('hearth');
  const unsafe = unsafeValues(config);
  if (unsafe.length > 0) throw new ConfigError('config', unsafe);

  const db = openDatabase(config.database);
  const { applied } = await migrateToLatest(db);
  if (applied.length > 0) log.info('database migrated', { engine: config.database.engine, applied });

  const botUserId = mainBotUserId(config);
  const stopSignal = new StopSignal();
  const requestTimeoutMs = config.homeserver.request_timeout_seconds * 1000;
  const encryption = new EncryptionSwitch(config.encryption.enabled && !options.listenerOnly);
  const client = createHomeserverClient({
    homeserverUrl: config.homeserver.url, asToken: config.appservice.as_token, botUserId, log: log.child('homeserver'), sealing: encryption.sealing,
    requestTimeoutMs, halt: stopSignal.hard,
  });
  const router = new EventRouter();
  // Encrypted events are opened first; the domains see what they carry.
  const handle = async (event: MatrixEvent, delivery: Delivery): Promise<void> => {
    const opened = await encryption.open(event, delivery);
    if (opened) await router.dispatch(opened, delivery);
  };
  const domains = buildDomains({ config, db, client, router, log, stopSignal });
  options.extraRoutes?.(router);
  const inbox = createInboxStore(db);
  const worker = new InboxWorker({
    store: inbox,
    handle,
    log: log.child('inbox'),
    maxAttempts: config.inbox.max_attempts,
    retryBaseMs: config.inbox.retry_base_ms,
    retryMaxMs: config.inbox.retry_max_ms,
    batchSize: config.inbox.batch_size,
    handlerTimeoutMs: config.inbox.handler_timeout_seconds * 1000,
    keepDays: config.inbox.keep_days,
  });

  const health: HealthReport = { status: 'starting', bot_user_id: botUserId, admin_room_id: null };
  const app = createAppserviceApp({
    hsToken: config.appservice.hs_token,
    acceptLegacyQueryToken: config.appservice.accept_legacy_query_token,
    maxBodyBytes: config.appservice.max_body_bytes,
    inbox,
    log: log.child('appservice'),
    onRecorded: () => { worker.wake(); },
    absorbDeviceChanges: encryption.absorbDeviceChanges,
    health: () => health,
    accepting: () => !stopSignal.stopping,
    holdMs: config.appservice.transaction_hold_seconds * 1000,
  });
  const server = await listen(app, config);
  const port = (server.address() as AddressInfo).port;
  log.info('listening for the homeserver', { address: config.appservice.bind_address, port });

  let web: WebListener | null = null;
  let memoryRelease: { stop(): void } | null = null;
  let stopping: Promise<void> | null = null;
  // Soft first: no new transactions (the homeserver keeps and retries them),
  // and the worker and the domains stop at their next safe point. At the
  // deadline the hard stop cuts every request still waiting, so they reach it.
  const stop = async (): Promise<void> => {
    if (stopping) return stopping;
    stopping = (async () => {
      health.status = 'stopping';
      memoryRelease?.stop();
      stopSignal.requestStop();
      // The web listener takes no new requests and lets those in hand finish (a sign-up is recorded, not cut in half).
      const orderly = Promise.all([worker.stop(), domains.stop(), web?.close()]);
      if (await within(config.service.shutdown_seconds * 1000, orderly) === 'timed out') {
        log.warn('stopping took longer than service.shutdown_seconds; cutting what is still waiting', { shutdown_seconds: config.service.shutdown_seconds });
        stopSignal.halt();
        await within(HARD_STOP_GRACE_MS, orderly);
      }
      stopSignal.halt();
      web?.halt();
      await encryption.stop();
      server.closeAllConnections();
      server.close();
      await db.destroy();
    })();
    return stopping;
  };

  try {
    if (!options.listenerOnly) {
      await waitForHomeserver(client, config.homeserver.url, log);
      // Steps that need only the homeserver, not each other, run together: a
      // start is mostly waiting for the homeserver's answers. The community's
      // set-up may send before the devices are open; its sends wait for them
      // (see EncryptionSwitch). Every step ends before a failure is acted on,
      // so stop() never races a step still running.
      const steps = await Promise.allSettled([
        domains.setUp(),
        // Loaded only when on: the web listener's middleware and templates are memory a server without pages does not spend.
        config.web.enabled ? import('./web/index.ts').then((w) => w.startWebListener({ config, pages: domains.webPages, log: log.child('web') })) : null,
        client.setDisplayName(config.appservice.bot_display_name),
        encryption.start({
          config, db, client, bots: talkingBots(config), appserviceUserId: botUserId, isOwnBot: ownBotCheck(config), log: log.child('crypto'),
          requestSignal: () => stopSignal.forRequest(requestTimeoutMs),
        }),
        checkHomeserverReachesUs(client, config, log),
      ]);
      const [setUp, webStarted] = steps;
      // Kept before any failure is thrown, so that stop() closes it.
      if (webStarted.status === 'fulfilled') web = webStarted.value;
      for (const step of steps) if (step.status === 'rejected') throw step.reason;
      if (setUp.status === 'fulfilled') health.admin_room_id = setUp.value;
    }
    worker.start();
  } catch (error) {
    await stop();
    throw error;
  }
  health.status = 'ok';
  memoryRelease = startMemoryRelease({ log: log.child('memory') });
  log.info('Hearth is running', { bot_user_id: botUserId, admin_room_id: health.admin_room_id });

  return {
    botUserId,
    get adminRoomId() { return health.admin_room_id ?? ''; },
    port,
    get webPort() { return web?.port ?? null; },
    db,
    inboxIdle: () => worker.idle(),
    stop,
  };
}
