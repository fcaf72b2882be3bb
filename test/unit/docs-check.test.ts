// The docs say only what the code does: every !command they name is in the
// command table (built from the real definitions), every option is that
// command's, every config key is in the schema, and no page promises work to
// come. The check itself is proved to fail on a page that is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigSchema } from '../../src/config/schema.ts';
import { commandCatalog } from '../support/command-catalog.ts';
import { checkDoc, docPages } from '../support/docs-check.ts';

const table = commandCatalog();

describe('the docs check', () => {
  it('finds nothing wrong in the pages as they are', () => {
    const problems = docPages().flatMap(({ page, text }) => checkDoc(page, text, table, ConfigSchema));
    assert.deepEqual(problems.map((p) => `${p.page}:${p.line}: ${p.problem}`), []);
  });

  it('fails on a page that names a command that does not exist', () => {
    const page = 'Say `!room create "Book club"`, then `!room destroy` when you are done.';
    assert.deepEqual(checkDoc('fixture.md', page, table, ConfigSchema), [{ page: 'fixture.md', line: 1, problem: 'names "!room destroy", which is not a command' }]);
    assert.deepEqual(checkDoc('fixture.md', 'In a code block:\n```\n!launch rockets\n```', table, ConfigSchema).map((p) => p.problem), ['names "!launch rockets", which is not a command']);
  });

  it('fails on an option the command does not have, and a config key the schema does not have', () => {
    assert.deepEqual(checkDoc('fixture.md', 'Run `!room create Knitting --colour red`.', table, ConfigSchema).map((p) => p.problem),
      ['gives !room create the option --colour, which it does not have']);
    assert.deepEqual(checkDoc('fixture.md', 'Set `bugle.volume` to 11; `tiers.md` is a page, not a key.', table, ConfigSchema).map((p) => p.problem),
      ['names the config key bugle.volume, which the schema does not have']);
  });

  it('fails on a page that promises work to come', () => {
    const problems = checkDoc('fixture.md', 'Web pages are planned.\nThe neighborhood is not wired yet.', table, ConfigSchema);
    assert.deepEqual(problems.map((p) => p.line), [1, 2]);
  });

  it('lets a command, a room ID and a quoted log line pass', () => {
    assert.deepEqual(checkDoc('fixture.md', 'Say `!tier` in `!abc:camp.test`; the log says `no admin room yet`. Then !help.', table, ConfigSchema), []);
  });
});
