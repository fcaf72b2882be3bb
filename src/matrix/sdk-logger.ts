// Sends matrix-js-sdk's own log lines through Hearth's structured logger, so
// they share its format and level instead of going to the console. Its
// request tracing ("--> POST …") is debug-level chatter.
import type { Logger as SdkLogger } from 'matrix-js-sdk/lib/logger.js';
import type { Logger } from '../logging/logger.ts';

function text(parts: unknown[]): string {
  return parts.map((part) => (typeof part === 'string' ? part : part instanceof Error ? part.message : JSON.stringify(part))).join(' ');
}

export function sdkLogger(log: Logger): SdkLogger {
  return {
    trace: (...parts: unknown[]) => { log.debug(text(parts)); },
    debug: (...parts: unknown[]) => { log.debug(text(parts)); },
    info: (...parts: unknown[]) => { log.debug(text(parts)); },
    warn: (...parts: unknown[]) => { log.warn(text(parts)); },
    error: (...parts: unknown[]) => { log.error(text(parts)); },
    getChild: (namespace: string) => sdkLogger(log.child(namespace)),
  };
}
