import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandError, defineCommand, type CommandContext } from '../../src/commands/command.ts';
import { CommandTable, isCommandText } from '../../src/commands/table.ts';
import { tokenize, TokenizeError } from '../../src/commands/tokenize.ts';
import { helpCommand } from '../../src/bot/help-command.ts';
import { configureLogging, createLogger } from '../../src/logging/logger.ts';

const member: CommandContext = { sender: '@alice:camp.test', roomId: '!r', eventId: '$e', isAdmin: false };
const admin: CommandContext = { ...member, sender: '@root:camp.test', isAdmin: true };

const roomCreate = defineCommand({
  name: 'room create',
  summary: 'Create a topic room.',
  params: [{ name: 'name', kind: 'word', description: 'the room name' }],
  flags: [{ name: 'tier', description: 'who can read it', choices: ['local', 'neighborhood', 'public'] }],
  permission: 'member',
  run: (_c, args) => Promise.resolve({ text: `created ${args.string('name')} at ${String(args.flag('tier') ?? 'local')}` }),
});
const revoke = defineCommand({
  name: 'revoke',
  summary: 'Revoke a member.',
  params: [{ name: 'user', kind: 'user', description: 'who' }],
  permission: 'admin',
  run: (_c, args) => Promise.resolve({ text: `revoked ${args.string('user')}` }),
});
const broken = defineCommand({
  name: 'broken',
  summary: 'Always fails.',
  params: [],
  permission: 'member',
  run: () => Promise.reject(new Error('database on fire')),
});
const refusing = defineCommand({
  name: 'refuse',
  summary: 'Refuses politely.',
  params: [],
  permission: 'member',
  run: () => Promise.reject(new CommandError('Not today.')),
});

configureLogging({ level: 'error', format: 'text', write: () => undefined });
const silent = createLogger('test');
const table: CommandTable = new CommandTable([helpCommand(() => table), roomCreate, revoke, broken, refusing], silent);

describe('tokenizing a command line', () => {
  it('keeps quoted words together', () => {
    assert.deepEqual(tokenize('room create "Book club" --tier local'), ['room', 'create', 'Book club', '--tier', 'local']);
  });
  it('understands single, typographic and escaped quotes', () => {
    assert.deepEqual(tokenize(`a 'b c' \u201cd e\u201d f\\ g "h \\" i"`), ['a', 'b c', 'd e', 'f g', 'h " i']);
  });
  it('reports an unclosed quote', () => {
    assert.throws(() => tokenize('room create "Book club'), TokenizeError);
  });
  it('keeps an empty quoted argument', () => {
    assert.deepEqual(tokenize('say ""'), ['say', '']);
  });
});

describe('the command table', () => {
  it('treats only "!word" as a command', () => {
    assert.equal(isCommandText('!help'), true);
    assert.equal(isCommandText('! help'), false);
    assert.equal(isCommandText('hello'), false);
  });

  it('runs a multi-word command with quoted and typed arguments', async () => {
    const reply = await table.execute(member, '!room create "Book club" --tier public');
    assert.equal(reply.text, 'created Book club at public');
  });

  it('lists in !help only the commands the sender may use', async () => {
    const forMember = (await table.execute(member, '!help')).text;
    const forAdmin = (await table.execute(admin, '!help')).text;
    assert.match(forMember, /!room create <name> \[--tier local\|neighborhood\|public\]/);
    assert.doesNotMatch(forMember, /!revoke/);
    assert.match(forAdmin, /!revoke <user>/);
  });

  it('explains one command with !help <command>', async () => {
    const reply = await table.execute(member, '!help room create');
    assert.match(reply.text, /name: the room name/);
    assert.match(reply.text, /Any member/);
  });

  it('answers an unknown command in one line that points to !help', async () => {
    const reply = await table.execute(member, '!frobnicate now');
    assert.equal(reply.text, 'Unknown command "!frobnicate". Say !help for the list.');
  });

  it('refuses an admin command to a member', async () => {
    assert.equal((await table.execute(member, '!revoke @bob:camp.test')).text, '!revoke is for admins only.');
  });

  it('says what is wrong with a bad argument, with the usage', async () => {
    assert.match((await table.execute(admin, '!revoke bob')).text, /user must be a Matrix user ID.*Usage: !revoke <user>/);
    assert.match((await table.execute(member, '!room create x --tier secret')).text, /--tier takes one of local, neighborhood, public/);
    assert.match((await table.execute(member, '!room create')).text, /missing name/);
    assert.match((await table.execute(member, '!room create a b')).text, /too many arguments/);
    assert.match((await table.execute(member, '!room create a --colour red')).text, /unknown option --colour/);
  });

  it('passes a known refusal through and hides an unexpected error behind an id', async () => {
    assert.equal((await table.execute(member, '!refuse')).text, 'Not today.');
    const reply = await table.execute(member, '!broken');
    assert.match(reply.text, /error id [0-9a-f]{8}/);
    assert.doesNotMatch(reply.text, /on fire/);
  });

  it('refuses two commands with the same name', () => {
    assert.throws(() => new CommandTable([revoke, revoke], silent), /two commands are named revoke/);
  });
});

describe('choosing between a command and its sub-commands', () => {
  const say = defineCommand({
    name: 'say',
    summary: 'Say something.',
    params: [{ name: 'message', kind: 'message', description: 'words' }],
    permission: 'member',
    run: (_c, args) => Promise.resolve({ text: `said: ${args.string('message')}` }),
  });
  const sayOff = defineCommand({ name: 'say off', summary: 'Stop.', params: [], permission: 'member', run: () => Promise.resolve({ text: 'off' }) });
  const choosing: CommandTable = new CommandTable([say, sayOff], silent);

  it('runs the sub-command when its arguments fit', async () => {
    assert.equal((await choosing.execute(member, '!say off')).text, 'off');
  });

  it('treats longer text as the message of the shorter command', async () => {
    assert.equal((await choosing.execute(member, '!say off we go to the lake')).text, 'said: off we go to the lake');
  });

  it('explains a missing message', async () => {
    assert.match((await choosing.execute(member, '!say')).text, /missing message/);
  });

  it('takes free text as typed: apostrophes, dashes, line breaks and all', async () => {
    assert.equal((await choosing.execute(member, "!say Bob's party -- bring snacks\n\"at 8\"")).text, 'said: Bob\'s party -- bring snacks\n"at 8"');
    assert.equal((await choosing.execute(member, '!say --tier two  spaces')).text, 'said: --tier two  spaces');
    assert.equal((await choosing.execute(member, '!say "one quoted reason"')).text, 'said: one quoted reason');
    assert.equal((await choosing.execute(member, '!say "quoted" and more')).text, 'said: "quoted" and more');
  });
});
