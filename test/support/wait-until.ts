// Waiting, in a unit test, for what an asynchronous worker does next. Polled in
// small steps; the limit only ends a wait for what never comes (it measures
// nothing), so a worker that is broken fails its test instead of hanging the run.
const LIMIT_MS = 10_000;

/** Polls `done` (each round after `look`) until it holds; throws, naming `what`, once the limit is past. */
export async function waitUntil(what: string, done: () => boolean, look: () => Promise<void> = () => Promise.resolve()): Promise<void> {
  const deadline = Date.now() + LIMIT_MS;
  for (;;) {
    await look();
    if (done()) return;
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
