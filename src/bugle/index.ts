// The Bugle domain: its own bot user, its DMs, the broadcast service, the
// delivery queue, its commands, and what it does when a member leaves its DM.
import type { Command } from '../commands/command.ts';
import type { NotifyAdmins } from '../community/admin-notices.ts';
import { DirectMessenger, encryptsDirectMessages } from '../community/direct-messages.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { errorText } from '../matrix/retry.ts';
import type { EventRouter } from '../matrix/inbox/router.ts';
import type { JobRunner } from '../jobs/index.ts';
import { BUGLE_DELIVERY, bugleDeliveryKind } from '../jobs/kinds/bugle-delivery.ts';
import type { Database } from '../store/database.ts';
import { createJobsStore } from '../store/jobs-store.ts';
import { createBugleStore } from '../store/bugle-store.ts';
import { createDirectRoomsStore } from '../store/direct-rooms-store.ts';
import type { MembersStore } from '../store/members-store.ts';
import { bugleAvatarPng } from './avatar.ts';
import { Bugle } from './bugle.ts';
import { bugleCommands } from './commands.ts';

export interface BugleDomainOptions {
  config: Config;
  db: Database;
  client: HomeserverClient;
  members: MembersStore;
  isCommunityMember: (userId: string) => boolean;
  notify: NotifyAdmins;
  log: Logger;
  /** Runs the deliveries. */
  jobs: JobRunner;
}

export interface BugleDomain {
  bot: HomeserverClient;
  service: Bugle;
  commands: Command[];
  /** Whether a room is a member's DM with the Bugle, where the Bugle (not the main bot) answers. */
  isBugleRoom(roomId: string): Promise<boolean>;
  /** A member opened a DM with the Bugle themselves. */
  adopt(userId: string, roomId: string): Promise<void>;
  register(router: EventRouter): void;
  setUp(): Promise<void>;
}

export function bugleUserId(config: Config): string {
  return `@${config.appservice.namespace_prefix}bugle:${config.homeserver.server_name}`;
}

export function createBugle(o: BugleDomainOptions): BugleDomain {
  const bot = o.client.as(bugleUserId(o.config));
  const store = createBugleStore(o.db);
  const messenger = new DirectMessenger(bot, createDirectRoomsStore(o.db), o.log.child('dm'), { encrypted: encryptsDirectMessages(o.config) });
  const settings = o.config.bugle;
  o.jobs.register(bugleDeliveryKind({
    bot, messenger, store,
    jobs: createJobsStore(o.db),
    serverName: o.config.homeserver.server_name,
    concurrency: settings.concurrency,
    delayMs: settings.delivery_delay_ms,
    log: o.log.child('delivery'),
  }));
  const service = new Bugle({
    store, members: o.members, isCommunityMember: o.isCommunityMember, jobs: o.jobs, messenger, notify: o.notify, log: o.log,
    limits: { perMemberPerDay: settings.per_member_per_day, hourlyCap: settings.hourly_cap, maxLength: settings.max_length },
  });
  return {
    bot,
    service,
    commands: bugleCommands(service),
    isBugleRoom: async (roomId) => (await messenger.memberOf(roomId)) !== null,
    adopt: (userId, roomId) => messenger.adopt(userId, roomId),
    register(router) {
      router.on('m.room.member', async (event) => {
        const membership = event.content.membership;
        if ((membership !== 'leave' && membership !== 'ban') || event.state_key === undefined) return;
        if ((await messenger.memberOf(event.room_id)) !== event.state_key) return;
        await service.leftDm(event.state_key);
        try {
          await bot.leaveRoom(event.room_id, 'You left the Bugle; it will not write to you again unless you say !bugle on to Hearth.');
        } catch (error) {
          // The opt-out is recorded, which is what counts; a Bugle left behind in the room says nothing more there.
          o.log.warn('could not leave a DM the member left', { room_id: event.room_id, user_id: event.state_key, error: errorText(error) });
        }
      });
    },
    async setUp() {
      await bot.ensureRegistered();
      const profile = await bot.profile(bot.userId);
      if (profile.displayname !== settings.display_name) await bot.setDisplayName(settings.display_name);
      if (!profile.avatar_url) await bot.setAvatarUrl(await bot.upload(bugleAvatarPng(), 'image/png', 'bugle.png'));
      await o.jobs.resume(BUGLE_DELIVERY);
    },
  };
}
