// One pass of some work at a time. Asking for a pass while one runs does not
// start a second one: it asks for one more pass after the running one, and
// every request made meanwhile shares that one pass. So a burst of triggers
// (timer ticks, first contacts) costs at most two passes, never N at once.

export class SingleFlight {
  private readonly pass: () => Promise<void>;
  private readonly onError: (error: unknown) => void;
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private stopped = false;

  /** `pass` does the work; a pass that fails goes to `onError`, and later passes still run. */
  constructor(pass: () => Promise<void>, onError: (error: unknown) => void) {
    this.pass = pass;
    this.onError = onError;
  }

  /** True once stop() was called: a running pass should end at its next step. */
  get stopping(): boolean {
    return this.stopped;
  }

  /** Asks for a pass; resolves once a pass begun after this call has ended (at once after stop()). */
  request(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.next) return this.next;
    if (!this.running) return this.begin();
    const next = this.running.then(() => {
      this.next = null;
      return this.stopped ? undefined : this.begin();
    });
    this.next = next;
    return next;
  }

  /** Resolves when no pass is running or asked for (tests). */
  async idle(): Promise<void> {
    while (this.next ?? this.running) await (this.next ?? this.running);
  }

  /** Starts no new pass and waits for the one running (and the one asked for, which then does not run). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  private begin(): Promise<void> {
    const run: Promise<void> = this.pass()
      .catch(this.onError)
      .finally(() => {
        if (this.running === run) this.running = null;
      });
    this.running = run;
    return run;
  }
}
