// The one durable job runner and what a job kind needs to plug into it.
export { JobRunner, type JobRunnerOptions } from './runner.ts';
export type { ItemContext, ItemNote, JobKind, OpenJob } from './kind.ts';
export { GiveUp, DEFAULT_BACKOFF, nextStep, type BackoffSettings, type NextStep } from './retry-policy.ts';
export { systemClock, abortableSleep, type Clock } from './clock.ts';
export type { JobContents, JobCounts, JobRecord } from '../store/jobs-store.ts';
