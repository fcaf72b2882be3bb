// Checks made once at start-up, each ending in a message an operator can act on.
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logging/logger.ts';
import { MatrixError, type HomeserverClient } from './client.ts';

const HOMESERVER_WAIT_ATTEMPTS = 30;
const HOMESERVER_WAIT_MS = 2_000;

/** The homeserver may still be starting (compose, systemd); wait for it, then say plainly that it is absent. */
export async function waitForHomeserver(client: HomeserverClient, url: string, log: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.ensureRegistered();
      return;
    } catch (error) {
      if (error instanceof MatrixError) throw describeRegistrationError(error);
      if (attempt >= HOMESERVER_WAIT_ATTEMPTS) {
        throw new Error(`the homeserver at ${url} (homeserver.url) did not answer: ${(error as Error).message}`, { cause: error });
      }
      log.warn('waiting for the homeserver', { url, attempt, error: (error as Error).message });
      await new Promise((resolve) => setTimeout(resolve, HOMESERVER_WAIT_MS));
    }
  }
}

function describeRegistrationError(error: MatrixError): Error {
  if (error.errcode === 'M_UNKNOWN_TOKEN' || error.httpStatus === 401) {
    return new Error('the homeserver does not know appservice.as_token: is the registration file listed in its app_service_config_files, and was it restarted since?');
  }
  return new Error(`the homeserver refused to register Hearth's bot: ${error.errcode ?? 'error'} ${error.message}`);
}

/** Asks the homeserver to call Hearth back; a failure is logged as a clear, non-fatal error. */
export async function checkHomeserverReachesUs(client: HomeserverClient, config: Config, log: Logger): Promise<boolean> {
  try {
    const ms = await client.pingAppservice(config.appservice.id, `hearth-startup-${randomBytes(6).toString('hex')}`);
    log.info('the homeserver reaches Hearth', { duration_ms: ms });
    return true;
  } catch (error) {
    const detail = error instanceof MatrixError ? `${error.errcode ?? ''} ${error.message}` : (error as Error).message;
    log.error(`the homeserver cannot reach Hearth at ${config.appservice.url} (appservice.url): ${detail}. Until it can, Hearth receives no events. Check that the URL is reachable from the homeserver and that the homeserver loaded the current registration.`, {});
    return false;
  }
}
