// One device's steps, one at a time, and the saves of its store between them.
// A step never overlaps another, so requests are never sent twice and a save
// sees finished steps only.

export class StepQueue {
  private tail: Promise<unknown> = Promise.resolve();
  // Shared steps queued behind the steps in hand and not begun yet, by name:
  // callers that ask for one of them before it begins share it.
  private readonly queuedShared = new Map<string, Promise<void>>();

  /** Runs `step` after every step queued before it, whether those succeeded or not. */
  run<T>(step: () => Promise<T>): Promise<T> {
    const next = this.tail.catch(() => undefined).then(step);
    this.tail = next;
    return next;
  }

  /**
   * Runs `step` once every step queued so far has run, and resolves when it
   * has. Callers that ask for the same name while such a step is queued and
   * not begun share it: a burst of n encryptions costs one save, not n, and
   * each caller still waits for a save that came after its own step.
   */
  runShared(name: string, step: () => Promise<void>): Promise<void> {
    const queued = this.queuedShared.get(name);
    if (queued) return queued;
    const shared = this.run(async () => {
      // Begun: whoever asks from now on needs the next one, not this one.
      this.queuedShared.delete(name);
      await step();
    });
    this.queuedShared.set(name, shared);
    return shared;
  }

  /** Resolves once every step queued so far has ended. */
  async drained(): Promise<void> {
    await this.tail.catch(() => undefined);
  }
}
