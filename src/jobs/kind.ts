// What a job kind tells the runner: its name, how many items run at once, and,
// for one job, how to do one item and what to say about it. The runner does the
// rest (claiming, retries, 429s, progress, stopping), so no kind has a retry
// loop of its own.
import type { JobCounts, JobRecord } from '../store/jobs-store.ts';

export interface ItemContext {
  /** The item: a room ID, a recipient, a step. */
  key: string;
  /** This try, counting every earlier one, across restarts (1 the first time). */
  attempt: number;
  /**
   * The transaction ID for the item's message: made by `make` and stored with
   * the item before the first send, the same on every later try. `reused` says
   * an earlier try (maybe before a crash) had it already, so the message may be
   * in the room: look before sending again, in case the homeserver forgot the ID.
   */
  transactionId(make: () => string): Promise<{ txnId: string; reused: boolean }>;
}

/** What a done item leaves on record, if anything (`kicked`, `absent`). */
export type ItemNote = string | undefined;

/** One job, opened: what its items share is read once, here. */
export interface OpenJob {
  /** Does one item; a throw is a failed try (see retry-policy.ts). */
  runItem(item: ItemContext): Promise<ItemNote>;
  /** How an item refused for good is recorded: `failed` unless the kind expects the refusal. */
  refusalStatus?(error: unknown): 'failed' | 'refused';
  /** Tells someone how far the job has got; a failure here is logged and the job goes on. */
  progress?(counts: JobCounts): Promise<void>;
  /** Every item is done, failed or refused: the report, the domain's own bookkeeping. */
  finished(counts: JobCounts): Promise<void>;
}

export interface JobKind {
  readonly name: string;
  /** Items of one job in hand at once; 1 for a job whose items are steps in order. */
  readonly concurrency: number;
  /** A pause before each item. Only for tests that stop Hearth halfway; 0 otherwise. */
  readonly itemDelayMs: number;
  /** How often `progress` is called while items remain; none when absent. */
  readonly progressEveryMs?: number;
  open(job: JobRecord): Promise<OpenJob>;
}
