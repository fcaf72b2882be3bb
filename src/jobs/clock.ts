// Time as the runner sees it: what time it is, and a wait that the stop signal
// ends at once. Tests hand the runner a clock whose waits pass instantly.
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` is aborted, whichever comes first. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const wake = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal.addEventListener('abort', wake, { once: true });
  });
}

export const systemClock: Clock = { now: () => Date.now(), sleep: abortableSleep };
