// Loading the Rust crypto's WebAssembly once per process, and routing its log
// lines through Hearth's logger.
import { initAsync } from '@matrix-org/matrix-sdk-crypto-wasm';
import type { Logger } from '../../logging/logger.ts';

let loading: Promise<void> | null = null;

export function startCrypto(): Promise<void> {
  loading ??= initAsync();
  return loading;
}

function text(data: unknown): string {
  return typeof data === 'string' ? data : data instanceof Error ? data.message : JSON.stringify(data);
}

/**
 * A message whose keys have not arrived yet: routine, since keys travel apart
 * from messages and usually follow within a second. Hearth waits for them and
 * warns itself only when the wait fails (the undecryptable answer).
 */
const KEYS_NOT_HERE_YET = /Failed to decrypt a room event/;

/** The crypto's own chatter is debug-level; its warnings and errors are Hearth's warnings. */
export function wasmLogger(log: Logger): { debug(data: unknown): void; info(data: unknown): void; warn(data: unknown): void; error(data: unknown): void } {
  const crypto = log.child('rust-crypto');
  return {
    debug: (data) => { crypto.debug(text(data)); },
    info: (data) => { crypto.debug(text(data)); },
    warn: (data) => {
      const line = text(data);
      if (KEYS_NOT_HERE_YET.test(line)) crypto.debug(line);
      else crypto.warn(line);
    },
    error: (data) => { crypto.error(text(data)); },
  };
}
