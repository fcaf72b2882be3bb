// What the log and people are told of an error: its message, whatever was thrown.
// (Retries and backoff are the job runner's: src/jobs/.)
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
