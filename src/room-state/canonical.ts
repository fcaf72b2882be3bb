// How two state contents are compared. Every domain that decides state
// compares with this one function, so the writer and the deciders never
// disagree about what counts as a change.
import { byCodePoint } from '../text/order.ts';

/** JSON with object keys sorted and lists of strings sorted, so order alone is never drift. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    return `[${value.every((v) => typeof v === 'string') ? items.sort().join(',') : items.join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => byCodePoint(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
