// The one stop signal that reaches every loop, sleep and request Hearth starts.
// Stopping has two steps: the soft stop asks loops to finish what they hold and
// start nothing new; the hard stop, at the deadline or on a second request,
// cuts whatever is still waiting on the network. Nothing in flight then keeps
// the process alive: every request listens to `hard` and has its own timeout.
export class StopSignal {
  private readonly softController = new AbortController();
  private readonly hardController = new AbortController();

  /** Aborted at the first stop request: loops and sleeps end, new work is refused. */
  get soft(): AbortSignal {
    return this.softController.signal;
  }

  /** Aborted when the soft stop has run out of time: requests in flight are cut. */
  get hard(): AbortSignal {
    return this.hardController.signal;
  }

  get stopping(): boolean {
    return this.soft.aborted;
  }

  requestStop(): void {
    this.softController.abort(new StopRequested('Hearth is stopping'));
  }

  halt(): void {
    this.requestStop();
    this.hardController.abort(new StopRequested('Hearth stopped before this finished'));
  }

  /** The signal for one request: aborted by the hard stop or after `timeoutMs`. */
  forRequest(timeoutMs: number): AbortSignal {
    return AbortSignal.any([this.hard, AbortSignal.timeout(timeoutMs)]);
  }
}

/** The reason a stopped loop or request gives: expected, never an error to report. */
export class StopRequested extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StopRequested';
  }
}

/** Runs `work` until it settles or `ms` pass; tells which. */
export async function within(ms: number, work: Promise<unknown>): Promise<'done' | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timed out'>((resolve) => { timer = setTimeout(() => { resolve('timed out'); }, ms); });
  try {
    return await Promise.race([work.then(() => 'done' as const), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
