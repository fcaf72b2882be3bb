// The plain-JavaScript build a small board runs: the same Hearth as the .ts
// sources, with no TypeScript left for Node to strip.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildJavaScript, toJavaScript } from '../../scripts/build.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((name) => join(dir, name));
}

describe('toJavaScript', () => {
  it('erases types in place, so a stack trace points at the same line as in the source', () => {
    const source = 'const n: number = 1;\ninterface A {\n  b: string;\n}\nexport function f(a: A): string { return a.b; }\n';
    const js = toJavaScript(source);
    assert.equal(js.split('\n').length, source.split('\n').length);
    assert.match(js, /^const n\s+= 1;/);
    assert.doesNotMatch(js, /interface|: number|: string/);
  });

  it('points relative .ts imports of every kind at .js, and leaves packages and node: modules alone', () => {
    const js = toJavaScript([
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "export { c } from './c/index.ts';",
      "import './side-effect.ts';",
      "const d = await import('./d.ts');",
      "import knex from 'knex';",
      "import { once } from 'node:events';",
    ].join('\n'));
    assert.match(js, /from '\.\/a\.js'/);
    assert.match(js, /from '\.\/c\/index\.js'/);
    assert.match(js, /import '\.\/side-effect\.js'/);
    assert.match(js, /import\('\.\/d\.js'\)/);
    assert.match(js, /from 'knex'/);
    assert.match(js, /from 'node:events'/);
    assert.doesNotMatch(js, /\.ts'/);
  });
});

describe('buildJavaScript', () => {
  let out = '';
  before(() => {
    const scratch = mkdtempSync(join(tmpdir(), 'hearth-build-'));
    out = join(scratch, 'dist');
    // The build is found by the repository's packages, as dist/ inside a checkout is.
    symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));
    symlinkSync(join(ROOT, 'package.json'), join(scratch, 'package.json'));
    buildJavaScript(ROOT, out);
  });
  after(() => { rmSync(join(out, '..'), { recursive: true, force: true }); });

  it('leaves no TypeScript module and no import of one', () => {
    const files = filesUnder(out);
    assert.equal(files.filter((f) => f.endsWith('.ts')).length, 0);
    for (const file of files.filter((f) => f.endsWith('.js'))) assert.doesNotMatch(readFileSync(file, 'utf8'), /from '\.{1,2}\/[^']+\.ts'/, file);
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

  it('never loads the TypeScript stripper when it runs', () => {
    // Node marks a process that stripped types by loading its amaro module.
    const probe = `await import(${JSON.stringify(join(out, 'src', 'main.js'))}); process.stdout.write(String(process.moduleLoadList.some((m) => /amaro/.test(m))));`;
    assert.equal(execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' }), 'false');
  });
});
