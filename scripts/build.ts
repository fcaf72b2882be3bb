// Writes dist/: Hearth and its dependencies bundled into a few plain
// JavaScript files. Node then never loads its TypeScript stripper (about 25 MiB
// of resident memory), and it reads a handful of files instead of the ~1,170
// modules the sources import, which is most of a cold start's import time (see
// docs/benchmarks.md). Developers keep running the .ts sources; an install runs
// `npm run build` once after `npm ci`, which brings esbuild (docs/operations.md).
//   node scripts/build.ts [<out folder>]
import { build, type Plugin } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Every file of the bundle (the command line and the chunks it imports, the
 * web listener and the crypto among them, loaded only when switched on) is
 * written to this folder of the out folder, so each one's import.meta.url
 * names it; the files other than modules under the same folder of the sources
 * (templates, assets) are copied there, folder for folder.
 */
const SOURCES = 'src';

/** The command line, and where it lands in the out folder: dist/src/cli.js, the path operators run. */
const ENTRY = join(SOURCES, 'cli.ts');

/**
 * Packages that stay in node_modules rather than in the bundle: the crypto
 * loads its .wasm file from beside its own module; iconv-lite's tables (half a
 * megabyte of source) and mime-db's JSON are read from their files when first
 * required, and V8 then keeps no copy of their source, as it would of a bundle
 * file's; the rest are optional packages that are not installed, which knex
 * and pg would load only for databases Hearth does not use, and debug (under
 * express) only if present.
 */
export const EXTERNAL = [
  '@matrix-org/matrix-sdk-crypto-wasm',
  'pg-native', 'pg-query-stream',
  'better-sqlite3', 'sqlite3', 'mysql', 'mysql2', 'mariadb', 'tedious', 'oracledb',
  'supports-color',
  'iconv-lite', 'mime-db',
] as const;

/** The bundled CommonJS packages (knex, express...) call require(); an ES module has none of its own. */
const REQUIRE_BANNER = "import { createRequire as __hearthCreateRequire } from 'node:module'; const require = __hearthCreateRequire(import.meta.url);";

/**
 * A module's source with import.meta.url pointing where the module would be in
 * a folder-for-folder copy of the sources (src/web/views.ts: <bundle folder>/web/views.js),
 * so that a module reading a file beside itself (new URL('./views', import.meta.url))
 * finds it in the out folder, whichever bundle file the module ended up in.
 */
export function pointImportMetaAt(source: string, moduleFromBundleFolder: string): string {
  if (/\bimport\.meta\.(dirname|filename)\b/.test(source)) {
    throw new Error(`${moduleFromBundleFolder}: import.meta.dirname and import.meta.filename would name the bundle's folder; use new URL(..., import.meta.url)`);
  }
  const url = `new URL(${JSON.stringify(`./${moduleFromBundleFolder.split(sep).join('/').replace(/\.ts$/, '.js')}`)}, import.meta.url).href`;
  return source.replace(/\bimport\.meta\.url\b/g, url);
}

function hearthModulesKeepTheirPlace(root: string): Plugin {
  const bundleFolder = join(root, SOURCES);
  return {
    name: 'hearth-import-meta',
    setup(builder) {
      builder.onLoad({ filter: /\.ts$/ }, (args) => {
        if (relative(root, args.path).split(sep)[0] === 'node_modules') return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta')) return undefined;
        return { contents: pointImportMetaAt(source, relative(bundleFolder, args.path)), loader: 'ts' };
      });
    },
  };
}

/**
 * Node's own modules, taken the CommonJS way (through the banner's require)
 * wherever a module of the bundle imports them as ES modules. An ES import of
 * node:http builds a facade of every export, and reading them runs http's lazy
 * getters, which load undici, Node's fetch: about 50 ms of every start and a
 * few MiB, for a client Hearth never uses (docs/benchmarks.md).
 */
function builtinsTakenByRequire(): Plugin {
  const namespace = 'hearth-node-builtin';
  return {
    name: 'hearth-builtins-by-require',
    setup(builder) {
      builder.onResolve({ filter: /^node:/ }, (args) =>
        (args.kind === 'import-statement' || args.kind === 'dynamic-import' ? { path: args.path, namespace } : undefined));
      builder.onLoad({ filter: /.*/, namespace }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
    },
  };
}

function copyFilesReadAtRunTime(from: string, to: string): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    if (entry.isDirectory()) copyFilesReadAtRunTime(source, join(to, entry.name));
    else if (!entry.name.endsWith('.ts')) {
      mkdirSync(to, { recursive: true });
      cpSync(source, join(to, entry.name));
    }
  }
}

export interface BuiltBundle {
  /** How many modules (Hearth's and its packages') went into how many files. */
  modules: number;
  files: number;
  /** What the bundle still imports at run time: Node's own modules and the packages above. */
  imports: string[];
}

/** Rebuilds `out` from the repository at `root`. */
export async function buildBundle(root: string, out: string): Promise<BuiltBundle> {
  rmSync(out, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: [ENTRY],
    outdir: join(out, SOURCES),
    entryNames: '[name]',
    bundle: true,
    // The web listener and the crypto are imported dynamically, when switched on: each stays a chunk of its own.
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    external: [...EXTERNAL],
    banner: { js: REQUIRE_BANNER },
    // Names too: V8 keeps each script's source in the heap, and a third of it
    // shorter is about 0.8 MiB less at idle (docs/benchmarks.md). Stack traces
    // then name the bundle's symbols; `node --enable-source-maps` names the sources'.
    minify: true,
    // A map per file for `node --enable-source-maps`; without that flag Node never reads them.
    sourcemap: 'linked',
    sourcesContent: false,
    plugins: [hearthModulesKeepTheirPlace(root), builtinsTakenByRequire()],
    metafile: true,
    // The type check's settings, named so that a build without them fails rather than using esbuild's defaults.
    tsconfig: 'tsconfig.json',
    logLevel: 'warning',
  });
  copyFilesReadAtRunTime(join(root, SOURCES), join(out, SOURCES));
  const outputs = Object.values(result.metafile.outputs);
  return {
    modules: Object.keys(result.metafile.inputs).length,
    files: Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.js')).length,
    imports: [...new Set(outputs.flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)))].sort(),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const out = resolve(process.argv[2] ?? join(root, 'dist'));
  const { modules, files } = await buildBundle(root, out);
  process.stdout.write(`bundled ${modules} modules into ${files} files in ${relative(process.cwd(), out) || '.'}; run it with: node ${relative(process.cwd(), join(out, SOURCES, 'cli.js'))} start -c <config>\n`);
}
