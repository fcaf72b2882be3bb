// The templates of every page Hearth serves, rendered with Eta: a template
// engine with no dependencies whose `<%= %>` escapes HTML by default, so no
// page is built by joining strings and nothing a visitor typed can become
// markup. Templates live in views/, one folder per domain.
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';

const VIEWS = fileURLToPath(new URL('./views', import.meta.url));

export class Views {
  private readonly eta: Eta;

  constructor() {
    this.eta = new Eta({ views: VIEWS, autoEscape: true, cache: true });
  }

  /** The page `name` (a path under views/, without .eta) with `data` as `it`. */
  render(name: string, data: object): string {
    return this.eta.render(name, data);
  }
}
