// Writes dist/: Hearth as plain JavaScript, its types stripped once here, so
// the running process never loads Node's TypeScript stripper (about 25 MiB of
// resident memory, see docs/benchmarks.md). Developers keep running the .ts
// sources; an install runs `npm run build` once after `npm ci` (docs/operations.md).
//   node scripts/build.ts [<out folder>]
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folders the running Hearth imports from; tests, testbed and benchmarks stay TypeScript. */
export const SHIPPED = ['src', 'migrations'] as const;

/** A relative import of a .ts file, as a static import, an export-from or a dynamic import(). */
const RELATIVE_TS_SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"\n]+)\.ts\2/g;

/** One module as JavaScript: types erased to whitespace (so stack traces keep their lines) and .ts imports pointed at .js. */
export function toJavaScript(source: string): string {
  return stripTypeScriptTypes(source, { mode: 'strip' }).replace(RELATIVE_TS_SPECIFIER, '$1$2$3.js$2');
}

function copyTree(from: string, to: string): number {
  let modules = 0;
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      modules += copyTree(source, target);
    } else if (entry.name.endsWith('.d.ts')) {
      continue; // declarations only: nothing runs
    } else if (entry.name.endsWith('.ts')) {
      writeFileSync(target.replace(/\.ts$/, '.js'), toJavaScript(readFileSync(source, 'utf8')));
      modules += 1;
    } else {
      // Templates and assets, found beside the module that reads them.
      cpSync(source, target);
    }
  }
  return modules;
}

/** Rebuilds `out` from the repository at `root`; returns how many modules it wrote. */
export function buildJavaScript(root: string, out: string): number {
  rmSync(out, { recursive: true, force: true });
  return SHIPPED.reduce((modules, folder) => modules + copyTree(join(root, folder), join(out, folder)), 0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const out = resolve(process.argv[2] ?? join(root, 'dist'));
  const modules = buildJavaScript(root, out);
  process.stdout.write(`wrote ${modules} modules to ${relative(process.cwd(), out) || '.'}; run it with: node ${relative(process.cwd(), join(out, 'src', 'cli.js'))} start -c <config>\n`);
}
