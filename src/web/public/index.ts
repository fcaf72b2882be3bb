// The public web: the community's front page, its posts' permalinks and its
// Atom feed, made from the posts of the rooms whose tier is public, and the
// `!web off`/`!web on` opt-out. Its public surface is what domains.ts wires:
// the commands, the pages, and the handlers that forget a room's posts when
// something new happens in it.
import type { Command } from '../../commands/command.ts';
import type { Config } from '../../config/schema.ts';
import type { EventRouter } from '../../matrix/inbox/router.ts';
import type { Database } from '../../store/database.ts';
import type { ManagedRoomsStore } from '../../store/managed-rooms-store.ts';
import { createWebOptOutsStore } from '../../store/web-opt-outs-store.ts';
import { loadCodeOfConduct } from '../../onboarding/texts.ts';
import type { PageKit, WebPages } from '../server.ts';
import type { Router } from 'express';
import { webCommands } from './commands.ts';
import { WebOptOuts } from './opt-outs.ts';
import type { PublicPagesOptions } from './pages.ts';
import { PublicPosts } from './public-posts.ts';
import { homeserverPostReader } from './reader.ts';

export { WebOptOuts } from './opt-outs.ts';

/** How long a room's messages, once read, serve the pages: a burst of visitors costs the homeserver one read. */
const CACHE_MS = 30_000;
/** The posts on the front page and in the feed. */
const POST_COUNT = 30;
/** The latest messages read per room: enough for the front page after edits, notices and others' messages are left out. */
const MESSAGES_PER_ROOM = 100;

export interface PublicWebOptions {
  config: Config;
  db: Database;
  /** The process's one managed rooms store: its tier changes reach the pages at once. */
  rooms: Pick<ManagedRoomsStore, 'all' | 'byRoomId'>;
  isMember: (userId: string) => boolean;
  requestSignal: () => AbortSignal;
}

export interface PublicWeb {
  commands: Command[];
  webPages: WebPages[];
  optOuts: WebOptOuts;
  register(router: EventRouter): void;
}

export function createPublicWeb(o: PublicWebOptions): PublicWeb {
  const { config } = o;
  const baseUrl = config.web.public_base_url.replace(/\/+$/, '');
  const optOuts = new WebOptOuts(createWebOptOutsStore(o.db));
  const reader = homeserverPostReader({ homeserverUrl: config.homeserver.url, asToken: config.appservice.as_token, requestSignal: o.requestSignal });
  const posts = new PublicPosts({
    rooms: o.rooms, reader, optOuts, isMember: o.isMember, cacheMs: CACHE_MS, messagesPerRoom: MESSAGES_PER_ROOM,
  });
  const forget = (event: { room_id: string }): Promise<void> => {
    posts.forget(event.room_id);
    return Promise.resolve();
  };
  return {
    commands: webCommands(optOuts, config.web.enabled ? `${baseUrl}/` : null),
    webPages: config.web.enabled
      ? [loadedAtFirstVisit({
        posts, reader, baseUrl,
        description: config.community.description,
        codeOfConductHtml: loadCodeOfConduct(config)?.html ?? null,
        serverName: config.homeserver.server_name,
        postCount: POST_COUNT,
      })]
      : [],
    optOuts,
    register(router) {
      // A new post, an edit or a redaction shows on the next page, not after the cache's time.
      router.on('m.room.message', forget);
      router.on('m.room.redaction', forget);
    },
  };
}

/**
 * The pages' modules (the HTML sanitiser among them, about 2 MiB of heap with
 * its CSS parser) load at the first request that reaches them, so a Hearth
 * whose pages nobody has visited yet, or with web off, never carries them.
 * Requests wait for them at the gate; a failed load reaches every request as
 * its error, so it is logged and shown with an error id.
 */
function loadedAtFirstVisit(options: PublicPagesOptions): WebPages {
  return (router: Router, kit: PageKit) => {
    let failure: Promise<unknown> | null = null;
    const load = (): Promise<unknown> => import('./pages.ts').then(({ publicPages }) => { publicPages(options)(router, kit); }).then(() => null, (error: unknown) => error);
    router.use((_req, _res, next) => {
      failure ??= load();
      void failure.then((error) => { next(error ?? undefined); });
    });
  };
}
