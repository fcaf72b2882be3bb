// Prints benchmark results: one machine-readable BENCH line per benchmark (the
// median of its runs, with the smallest and largest ratio), then a table.

export interface BenchResult {
  name: string;
  /** Hearth's figure and the baseline's, in `unit`. */
  hearth: number;
  baseline: number;
  unit: 'ms' | 'MiB';
  /** What the two numbers measured, for the table. */
  note: string;
  /** The target: a largest ratio to the baseline, or a largest figure for Hearth itself. */
  target?: { ratio: number } | { hearth: number };
}

/** Every run of one benchmark, summarised: medians, and the spread of the ratio. */
export interface BenchSummary {
  name: string;
  unit: BenchResult['unit'];
  runs: number;
  hearth: number;
  baseline: number;
  ratio: number;
  minRatio: number;
  maxRatio: number;
  note: string;
  target: BenchResult['target'];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) throw new Error('no values to take the median of');
  return sorted.length % 2 === 1 ? sorted[middle] ?? NaN : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

/** The runs of each benchmark name, in the order the names first appear. */
export function summarise(results: readonly BenchResult[]): BenchSummary[] {
  const byName = new Map<string, BenchResult[]>();
  for (const result of results) byName.set(result.name, [...(byName.get(result.name) ?? []), result]);
  return [...byName.values()].map((runs) => {
    const ratios = runs.map((r) => r.hearth / r.baseline);
    const last = runs.at(-1);
    if (!last) throw new Error('a benchmark without runs');
    return {
      name: last.name,
      unit: last.unit,
      runs: runs.length,
      hearth: median(runs.map((r) => r.hearth)),
      baseline: median(runs.map((r) => r.baseline)),
      ratio: median(ratios),
      minRatio: Math.min(...ratios),
      maxRatio: Math.max(...ratios),
      note: last.note,
      target: last.target,
    };
  });
}

/** Whether the median meets the target; null when there is none. */
export function meetsTarget(summary: BenchSummary): boolean | null {
  if (!summary.target) return null;
  return 'ratio' in summary.target ? summary.ratio <= summary.target.ratio : summary.hearth <= summary.target.hearth;
}

function targetText(target: BenchResult['target'], unit: string): string {
  if (!target) return '';
  return 'ratio' in target ? `≤${target.ratio.toFixed(2)}×` : `≤${target.hearth.toFixed(0)} ${unit}`;
}

export function benchLine(s: BenchSummary): string {
  const unit = s.unit.toLowerCase();
  return `BENCH ${s.name} hearth_${unit}=${s.hearth.toFixed(0)} baseline_${unit}=${s.baseline.toFixed(0)} ratio=${s.ratio.toFixed(2)} min=${s.minRatio.toFixed(2)} max=${s.maxRatio.toFixed(2)} runs=${s.runs}`;
}

export function failureLine(name: string, error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `BENCH ${name} FAILED ${text.split('\n').join('\n    ')}`;
}

export function table(summaries: readonly BenchSummary[], failed: readonly string[]): string {
  const rows = summaries.map((s) => {
    const met = meetsTarget(s);
    return [
      s.name, `${s.hearth.toFixed(0)} ${s.unit}`, `${s.baseline.toFixed(0)} ${s.unit}`, s.ratio.toFixed(2),
      `${s.minRatio.toFixed(2)}–${s.maxRatio.toFixed(2)}`, String(s.runs), targetText(s.target, s.unit), met === null ? '' : met ? 'met' : 'NOT met', s.note,
    ];
  });
  const failures = failed.map((name) => [name, '', '', '', '', '', '', 'FAILED', 'see its BENCH line above']);
  const header = ['benchmark', 'hearth', 'baseline', 'ratio', 'min–max', 'runs', 'target', '', 'what was measured (last run)'];
  const all = [...rows, ...failures];
  const widths = header.map((h, i) => Math.max(h.length, ...all.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...all.map(line)].join('\n');
}
