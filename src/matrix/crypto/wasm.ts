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

/** The crypto's own chatter is debug-level; its warnings and errors are Hearth's warnings. */
export function wasmLogger(log: Logger): { debug(data: unknown): void; info(data: unknown): void; warn(data: unknown): void; error(data: unknown): void } {
  const crypto = log.child('rust-crypto');
  return {
    debug: (data) => { crypto.debug(text(data)); },
    info: (data) => { crypto.debug(text(data)); },
    warn: (data) => { crypto.warn(text(data)); },
    error: (data) => { crypto.error(text(data)); },
  };
}
