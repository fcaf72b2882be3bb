// An outage seen by a loop that keeps trying (the database gone, say) is
// logged twice: once when it starts, with the first error's message, and once
// when it ends, with how long it lasted. The tries in between are only debug
// lines, so a loop that tries every half second cannot fill the log.
import type { LogFields, Logger } from './logger.ts';

export class OutageLog {
  private readonly log: Logger;
  private readonly what: string;
  private readonly now: () => number;
  private since: number | null = null;
  private failures = 0;

  /** `what` names what is out, as the log says it: "the database". */
  constructor(log: Logger, what: string, now: () => number = Date.now) {
    this.log = log;
    this.what = what;
    this.now = now;
  }

  get ongoing(): boolean {
    return this.since !== null;
  }

  /** A try failed: the first failure of an outage is an error line, the rest are debug lines. */
  failed(error: unknown, fields: LogFields = {}): void {
    this.failures++;
    // The message says what went wrong; a stack trace per try would say nothing more.
    const reason = error instanceof Error ? error.message : String(error);
    if (this.since !== null) {
      this.log.debug(`${this.what} is still failing`, { ...fields, failures: this.failures, error: reason });
      return;
    }
    this.since = this.now();
    this.log.error(`${this.what} is failing; trying again until it works, and saying so once it does`, { ...fields, error: reason });
  }

  /** A try worked: ends the outage, if there was one, with one line. */
  succeeded(fields: LogFields = {}): void {
    if (this.since === null) return;
    const seconds = Math.round((this.now() - this.since) / 1000);
    this.log.info(`${this.what} works again`, { ...fields, outage_seconds: seconds, failures: this.failures });
    this.since = null;
    this.failures = 0;
  }
}
