// Prints benchmark results: one machine-readable BENCH line each, then a table.

export interface BenchResult {
  name: string;
  hearthMs: number;
  baselineMs: number;
  /** What the two numbers measured, for the table. */
  note: string;
}

export function benchLine(result: BenchResult): string {
  const ratio = result.hearthMs / result.baselineMs;
  return `BENCH ${result.name} hearth_ms=${result.hearthMs.toFixed(0)} baseline_ms=${result.baselineMs.toFixed(0)} ratio=${ratio.toFixed(2)}`;
}

export function table(results: readonly BenchResult[]): string {
  const rows = results.map((r) => [r.name, r.hearthMs.toFixed(0), r.baselineMs.toFixed(0), (r.hearthMs / r.baselineMs).toFixed(2), r.note]);
  const header = ['benchmark', 'hearth ms', 'baseline ms', 'ratio', 'what was measured'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
