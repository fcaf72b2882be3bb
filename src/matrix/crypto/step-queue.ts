// One device's steps, one at a time, and the saves of its store between them.
// A step never overlaps another, so requests are never sent twice and a save
// sees finished steps only.

export class StepQueue {
  private tail: Promise<unknown> = Promise.resolve();
  // A save queued behind the steps in hand and not begun yet: steps that end
  // before it begins share it.
  private queuedSave: Promise<void> | null = null;

  /** Runs `step` after every step queued before it, whether those succeeded or not. */
  run<T>(step: () => Promise<T>): Promise<T> {
    const next = this.tail.catch(() => undefined).then(step);
    this.tail = next;
    return next;
  }

  /**
   * Runs `save` once every step queued so far has run, and resolves when it
   * has. Callers that ask while a save is queued and not begun share it: a
   * burst of n steps (a broadcast's encryptions) costs one save, not n, and
   * each caller still waits for a save that came after its own step.
   */
  saveAfterQueued(save: () => Promise<void>): Promise<void> {
    this.queuedSave ??= this.run(async () => {
      // Begun: a step that ends from now on needs the next save, not this one.
      this.queuedSave = null;
      await save();
    });
    return this.queuedSave;
  }

  /** Resolves once every step queued so far has ended. */
  async drained(): Promise<void> {
    await this.tail.catch(() => undefined);
  }
}
