// The neighborhood's I/O: reads the council rooms' state, applies the pure
// command decisions (state events as this server's bot, handed to the writer
// of room state; invitations), and after every change keeps this server in
// line with what the councils derive: restated votes, the council's ACL, and
// the neighbor list that the tier policy turns into every neighborhood room's
// ACL.
import { CommandError } from '../commands/command.ts';
import type { NotifyAdmins } from '../community/admin-notices.ts';
import type { AclPropagation } from '../federation/acl-propagation.ts';
import { globMatches } from '../matrix/server-globs.ts';
import type { Logger } from '../logging/logger.ts';
import { MatrixError, type HomeserverClient } from '../matrix/client.ts';
import { DeferEvent } from '../matrix/inbox/router.ts';
import { describeRefusal, permanentRefusal } from '../matrix/matrix-error.ts';
import type { StateWriter } from '../room-state/writer.ts';
import type { CouncilsStore } from '../store/councils-store.ts';
import type { ServerListsStore } from '../store/server-lists-store.ts';
import { councilServerAcl, currentNeighbors } from './acl.ts';
import type { Decision, Situation } from './commands-logic.ts';
import { councilInviter, councilPowerLevelsState, type InviteLike } from './council.ts';
import { deriveNeighborhood } from './derive.ts';
import { MEMBERSHIP_TYPE, VOTES_TYPE, type CouncilStateEvent } from './events.ts';
import { planUpkeep } from './upkeep.ts';
import { admitsNeighbors } from '../tiers/tier.ts';

/** How long to wait before joining a council room again after a refusal. */
const COUNCIL_JOIN_RETRY_MS = 3_000;

export interface NeighborhoodOptions {
  self: string;
  botLocalpart: string;
  client: HomeserverClient;
  /** Every council statement and the council's ACL and power levels are written through it. */
  writer: StateWriter;
  councils: CouncilsStore;
  lists: ServerListsStore;
  propagation: AclPropagation;
  notify: NotifyAdmins;
  log: Logger;
  /** Told the current neighbors after every re-derivation (to join or leave their rooms). */
  onNeighbors: (neighbors: readonly string[]) => Promise<void>;
}

export const COUNCIL_TYPES = new Set([MEMBERSHIP_TYPE, VOTES_TYPE, 'm.room.member']);

export class NeighborhoodService {
  private readonly o: NeighborhoodOptions;

  constructor(options: NeighborhoodOptions) {
    this.o = options;
  }

  private async councilState(roomId: string): Promise<CouncilStateEvent[]> {
    return (await this.o.client.getRoomState(roomId)).map((e) => ({ event_id: e.event_id, type: e.type, state_key: e.state_key, sender: e.sender, content: e.content }));
  }

  async situation(): Promise<Situation> {
    const defederated = await this.o.lists.defederated();
    const councils = await Promise.all((await this.o.councils.all()).map(async (roomId) => ({ roomId, state: await this.councilState(roomId) })));
    return {
      self: this.o.self,
      botLocalpart: this.o.botLocalpart,
      councils,
      defederatedBySelf: (server) => defederated.some((glob) => globMatches(glob, server)),
    };
  }

  /** Carries out a command's decision and answers with what happened. */
  async apply(decision: Decision): Promise<string> {
    switch (decision.kind) {
      case 'refuse':
        throw new CommandError(decision.reason);
      case 'create': {
        const roomId = await this.o.client.createRoom(decision.request);
        await this.o.councils.add(roomId, Date.now());
        await this.refresh();
        return decision.reply;
      }
      case 'send': {
        await this.o.writer.apply(decision.roomId, decision.events);
        // The ACL must admit a candidate's server before its bot can join.
        await this.refresh();
        for (const user of decision.invite) await this.inviteToCouncil(decision.roomId, user);
        return decision.reply;
      }
    }
  }

  /**
   * A server proposed again (it left, and comes back) may still be in the
   * council room: its candidacy is in the room's state, so an invitation the
   * homeserver refuses as redundant is no failure.
   */
  private async inviteToCouncil(roomId: string, user: string): Promise<void> {
    try {
      await this.o.client.invite(roomId, user, 'An invitation to join a neighborhood');
    } catch (error) {
      if (!(error instanceof MatrixError && error.httpStatus === 403 && /already in the room/i.test(error.message))) throw error;
      this.o.log.info('the proposed server is already in the council room', { room_id: roomId, user_id: user });
    }
  }

  /** An invitation from another server's Hearth to its council: join it (that commits to nothing) and tell the admins. */
  async acceptCouncilInvite(event: InviteLike & { room_id: string }): Promise<boolean> {
    const from = councilInviter(event, this.o.self, this.o.botLocalpart);
    if (!from) return false;
    try {
      await this.o.client.joinRoom(event.room_id, [from]);
    } catch (error) {
      // The inviting server records its invitation only after ours has answered it: a refusal this
      // early can mean "not yet". Asked again a little later, a bounded number of times (inbox.max_attempts).
      const refusal = permanentRefusal(error);
      if (refusal === null) throw error;
      throw new DeferEvent(COUNCIL_JOIN_RETRY_MS, `the council room refused the bot's join (${describeRefusal(refusal)}); the inviting server may not have recorded its invitation yet`);
    }
    await this.o.councils.add(event.room_id, Date.now());
    await this.o.notify(`${from} invites this community into its neighborhood. See !neighborhood status; accept with !neighborhood accept, or decline with !neighborhood reject ${from}.`);
    await this.refresh();
    return true;
  }

  /**
   * Re-derives every council and brings this server in line: restated votes,
   * the council's own ACL and power levels, and the neighbor list (with an
   * ACL change to every room when it moved).
   */
  async refresh(): Promise<void> {
    const situation = await this.situation();
    if (situation.councils.length === 0) return;
    const options = { botLocalpart: this.o.botLocalpart, self: this.o.self, defederatedBySelf: situation.defederatedBySelf };
    // The neighbor list first: the rooms' ACLs are what members wait for after
    // a vote, and the councils' own upkeep below changes nothing they depend on.
    await this.updateNeighbors(currentNeighbors(situation.councils, options));
    for (const council of situation.councils) {
      const n = deriveNeighborhood(council.state, options);
      for (const ignored of n.ignored) this.o.log.warn('ignored a council statement', { room_id: council.roomId, event_id: ignored.eventId, reason: ignored.reason });
      await this.o.writer.apply(council.roomId, planUpkeep({ n, state: council.state, ...options }), council.state);
      if (n.standing === 'member') await this.keepCouncilInLine(council.roomId, n);
    }
  }

  private async updateNeighbors(neighbors: string[]): Promise<void> {
    const changed = await this.o.lists.replaceNeighbors(neighbors, Date.now());
    if (changed) {
      this.o.log.info('the neighborhood changed', { neighbors });
      // Recorded before anything that waits on another server (joining the
      // neighbors' rooms) or on a message's round trip (telling the admins).
      await this.o.propagation.enqueue('neighborhood changed', admitsNeighbors);
    }
    await this.o.onNeighbors(neighbors);
    if (changed) await this.o.notify(`The neighborhood is now: ${[this.o.self, ...neighbors].join(', ')}. Neighborhood rooms are being updated.`);
  }

  private async keepCouncilInLine(roomId: string, n: ReturnType<typeof deriveNeighborhood>): Promise<void> {
    const acl = councilServerAcl(n);
    if (acl) {
      try {
        await this.o.writer.apply(roomId, [{ type: 'm.room.server_acl', stateKey: '', content: acl }]);
      } catch (error) {
        // A member just admitted has no power in the council until the founder's Hearth grants it; the founder sets the ACL meanwhile.
        if (!(error instanceof MatrixError && error.httpStatus === 403)) throw error;
        this.o.log.info('not yet allowed to set the council ACL; its founder will', { room_id: roomId });
      }
    }
    if (n.founder === this.o.self) {
      const levels = await this.o.client.getStateEvent(roomId, 'm.room.power_levels', '');
      const desired = councilPowerLevelsState(levels, n.members, n.founder, this.o.botLocalpart);
      if (desired) await this.o.writer.apply(roomId, [desired], levels ? [{ type: desired.type, state_key: '', content: levels }] : []);
    }
  }
}
