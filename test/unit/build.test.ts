// The bundle a small board runs: the same Hearth as the .ts sources, in a few
// plain JavaScript files with no TypeScript left for Node to strip.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isBuiltin } from 'node:module';
import { join, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildBundle, EXTERNAL, pointImportMetaAt, type BuiltBundle } from '../../scripts/build.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((name) => join(dir, name));
}

describe('pointImportMetaAt', () => {
  it('points import.meta.url where the module sits in a folder-for-folder copy, so files read beside it are found', () => {
    const js = pointImportMetaAt("const VIEWS = fileURLToPath(new URL('./views', import.meta.url));", join('web', 'views.ts'));
    assert.equal(js, 'const VIEWS = fileURLToPath(new URL(\'./views\', new URL("./web/views.js", import.meta.url).href));');
  });

  it('refuses import.meta.dirname and import.meta.filename, which would name the bundle\'s folder', () => {
    assert.throws(() => pointImportMetaAt('const here = import.meta.dirname;', 'a.ts'), /a\.ts: import\.meta\.dirname/);
  });
});

describe('buildBundle', () => {
  let out = '';
  let built: BuiltBundle = { modules: 0, files: 0, imports: [] };
  before(async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'hearth-build-'));
    out = join(scratch, 'dist');
    // The build is found by the repository's packages, as dist/ inside a checkout is.
    symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));
    symlinkSync(join(ROOT, 'package.json'), join(scratch, 'package.json'));
    built = await buildBundle(ROOT, out);
  });
  const bundleFiles = (): string[] => filesUnder(join(out, 'src')).filter((f) => f.endsWith('.js'));
  after(() => { rmSync(join(out, '..'), { recursive: true, force: true }); });

  it('leaves no TypeScript module and no import of one', () => {
    const files = filesUnder(out);
    assert.equal(files.filter((f) => f.endsWith('.ts')).length, 0);
    for (const file of bundleFiles()) assert.doesNotMatch(readFileSync(file, 'utf8'), /(from|import\s*\(?)\s*["']\.{1,2}\/[^"']+\.ts["']/, file);
  });

  it('reads from node_modules only the packages left out of the bundle on purpose', () => {
    const unexpected = built.imports.filter((s) => !isBuiltin(s) && !EXTERNAL.some((p) => s === p || s.startsWith(`${p}/`)));
    assert.deepEqual(unexpected, []);
    assert.ok(built.imports.includes('@matrix-org/matrix-sdk-crypto-wasm'));
  });

  it('keeps the web templates and assets beside the modules that read them', () => {
    const copied = (dir: string): string[] => readdirSync(join(out, 'src', 'web', dir));
    assert.deepEqual(copied('views').sort(), readdirSync(join(ROOT, 'src', 'web', 'views')).sort());
    assert.deepEqual(copied('assets').sort(), readdirSync(join(ROOT, 'src', 'web', 'assets')).sort());
  });

  it('runs as the same Hearth: the built command line prints the same sample config as the source', () => {
    const run = (cli: string): string => execFileSync(process.execPath, [cli, 'sample-config'], { encoding: 'utf8' });
    assert.equal(run(join(out, 'src', 'cli.js')), run(join(ROOT, 'src', 'cli.ts')));
  });

  /** Whether importing every file but the command line (which would run): Hearth, its web listener and its crypto, loads a module of Node's own. */
  const loadsWhenImported = (internal: RegExp): boolean => {
    const probe = `for (const file of ${JSON.stringify(bundleFiles().filter((f) => !f.endsWith(`${sep}cli.js`)))}) await import(file);
      process.stdout.write(String(process.moduleLoadList.some((m) => ${String(internal)}.test(m))));`;
    return execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' }) === 'true';
  };

  it('never loads the TypeScript stripper when it runs', () => {
    // Node marks a process that stripped types by loading its amaro module.
    assert.equal(loadsWhenImported(/amaro/), false);
  });

  it('never loads undici, Node\'s fetch: Node\'s own modules are taken by require, so node:http\'s lazy getters are never read', () => {
    assert.equal(loadsWhenImported(/undici/), false);
  });

  it('never loads tls when imported: https is taken at the first https URL, and a homeserver over plain HTTP needs none', () => {
    assert.equal(loadsWhenImported(/^NativeModule (tls|https)$/), false);
  });
});
