// What one fault scenario found: its figures (printed whatever happens) and
// the broken promises that make it fail.
export type Figure = string | number | boolean;

export class Findings {
  readonly figures = new Map<string, Figure>();
  readonly problems: string[] = [];

  figure(name: string, value: Figure): void {
    this.figures.set(name, value);
  }

  /** Records a broken promise unless `holds`. */
  expect(holds: boolean, problem: string): void {
    if (!holds) this.problems.push(problem);
  }

  /** The figures as `name=value` pairs, in the order they were found. */
  line(): string {
    return [...this.figures].map(([name, value]) => `${name}=${String(value)}`).join(' ');
  }
}

export type Scenario = (findings: Findings) => Promise<void>;

export function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
