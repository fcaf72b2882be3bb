// Prints benchmark results: one machine-readable BENCH line each, then a table.

export interface BenchResult {
  name: string;
  /** Hearth's figure and the baseline's, in `unit`. */
  hearth: number;
  baseline: number;
  unit: 'ms' | 'MiB';
  /** What the two numbers measured, for the table. */
  note: string;
}

export function benchLine(result: BenchResult): string {
  const ratio = result.hearth / result.baseline;
  const unit = result.unit.toLowerCase();
  return `BENCH ${result.name} hearth_${unit}=${result.hearth.toFixed(0)} baseline_${unit}=${result.baseline.toFixed(0)} ratio=${ratio.toFixed(2)}`;
}

export function table(results: readonly BenchResult[]): string {
  const rows = results.map((r) => [r.name, `${r.hearth.toFixed(0)} ${r.unit}`, `${r.baseline.toFixed(0)} ${r.unit}`, (r.hearth / r.baseline).toFixed(2), r.note]);
  const header = ['benchmark', 'hearth', 'baseline', 'ratio', 'what was measured'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
