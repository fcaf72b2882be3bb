// The public web as src/domains.ts wires it: with web on, the listener serves
// the front page once the pages' modules have loaded, at the first visit; with web off, there are
// no pages, `!web off` still works, and the HTML sanitiser is never loaded.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ParsedArgs } from '../../src/commands/command.ts';
import type { Database } from '../../src/store/database.ts';
import { openDatabase } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { createWebApp } from '../../src/web/index.ts';
import { createPublicWeb } from '../../src/web/public/index.ts';
import type { ManagedRoomRow } from '../../src/store/managed-rooms-store.ts';
import { testConfig } from '../support/config.ts';
import { silentLogger } from '../support/silent-logger.ts';

const noRooms = { all: (): Promise<ManagedRoomRow[]> => Promise.resolve([]), byRoomId: (): Promise<ManagedRoomRow | null> => Promise.resolve(null) };

describe('the public web, wired', () => {
  let db: Database;
  let server: Server;
  let base: string;

  before(async () => {
    const config = testConfig();
    db = openDatabase(config.database);
    await migrateToLatest(db);
    config.web.enabled = true;
    config.web.public_base_url = 'https://camp.example.org';
    const publicWeb = createPublicWeb({ config, db, rooms: noRooms, isMember: () => true, requestSignal: () => AbortSignal.timeout(1000) });
    const app = createWebApp({ config, log: silentLogger(), pages: publicWeb.webPages });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.close();
    await db.destroy();
  });

  it('loads the pages\' modules, the HTML sanitiser among them, at the first visit rather than when the listener starts', async () => {
    const sanitiserLoaded = (): boolean => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('sanitize-html'));
    assert.equal(sanitiserLoaded(), false);
    assert.equal((await fetch(`${base}/`)).status, 200);
    assert.equal(sanitiserLoaded(), true);
  });

  it('serves the front page and the feed, with no posts while no room is public', async () => {
    const front = await fetch(`${base}/`);
    assert.equal(front.status, 200);
    assert.match(await front.text(), /Nothing has been posted publicly yet\./);
    const feed = await fetch(`${base}/feed.atom`);
    assert.equal(feed.status, 200);
    assert.match(await feed.text(), /<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom">/);
  });

  it('has no pages with web off, and keeps !web off all the same', async () => {
    const config = testConfig();
    const publicWeb = createPublicWeb({ config, db, rooms: noRooms, isMember: () => true, requestSignal: () => AbortSignal.timeout(1000) });
    assert.deepEqual(publicWeb.webPages, []);
    const off = publicWeb.commands.find((command) => command.name === 'web off');
    assert.ok(off);
    await off.run({ sender: '@alice:camp.test', roomId: '!dm:camp.test', eventId: '$e', isAdmin: false }, new ParsedArgs(new Map(), new Map()));
    assert.equal(await publicWeb.optOuts.isOptedOut('@alice:camp.test'), true);
  });

  it('never loads the HTML sanitiser in a Hearth whose web is off', () => {
    const index = fileURLToPath(new URL('../../src/web/public/index.ts', import.meta.url));
    const probe = `import { createRequire } from 'node:module'; await import(${JSON.stringify(index)}); ` +
      'process.stdout.write(String(Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes("sanitize-html"))));';
    assert.equal(execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' }), 'false');
  });
});
