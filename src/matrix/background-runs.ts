// Long pieces of persisted work (an ACL change, a broadcast) run in the
// background, one run per ID. Stopping lets each run notice and end between
// items; what it left undone stays pending in the database for the next start.

export class BackgroundRuns {
  private readonly running = new Map<number, Promise<void>>();
  private stopped = false;

  get stopping(): boolean {
    return this.stopped;
  }

  /** Starts `work` for `id` unless it is already running; a failure goes to `onError`. */
  launch(id: number, work: () => Promise<void>, onError: (error: unknown) => void): void {
    if (this.running.has(id)) return;
    const run = work().catch(onError).finally(() => this.running.delete(id));
    this.running.set(id, run);
  }

  /** Resolves when every run started so far has finished (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.running.values());
  }
}
