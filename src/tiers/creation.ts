// The createRoom request for a managed room: its tier's state from the first
// event on, so a room never exists, even briefly, with the wrong audience.
import type { CreateRoomRequest } from '../matrix/client.ts';
import type { CommunityFacts } from './facts.ts';
import { defaultPowerLevels, desiredState, neighborBots } from './policy.ts';
import { audienceOf, federates, type ManagedRoom } from './tier.ts';

export const ROOM_VERSION = '12';
import { CREATION_KEY_FIELD } from '../matrix/room-lookup.ts';

export interface RoomSpec {
  creationKey: string;
  room: Omit<ManagedRoom, 'roomId'>;
  /** Who asked for the room: invited, and its moderator. */
  requester: string | null;
  /** A local alias for the room, in Hearth's namespace, when others must find it by name. */
  aliasLocalpart?: string;
}

export function topicFor(room: Omit<ManagedRoom, 'roomId'>, serverName: string): string {
  if (room.role === 'space') return `The community space of ${serverName}. Local only: it never leaves ${serverName}.`;
  if (room.role === 'admin') return `Admins talk to Hearth here; say !help. Local only: never leaves ${serverName}.`;
  if (room.role === 'policy_list') return `The servers ${serverName} has defederated, as m.policy.rule.server rules that neighbors and moderation bots can follow. ${audienceOf(room.tier, serverName)}`;
  return audienceOf(room.tier, serverName);
}

export function createRoomRequest(spec: RoomSpec, facts: CommunityFacts): CreateRoomRequest {
  const room = { ...spec.room, roomId: '' };
  const moderators = spec.requester ? [spec.requester] : [];
  // Each neighbor's Hearth is invited from the start, so its members can come in as soon as it has joined.
  const invite = room.role === 'admin' ? [...facts.admins] : [...moderators, ...neighborBots(room, facts)];
  return {
    name: room.name,
    topic: topicFor(room, facts.serverName),
    preset: 'private_chat',
    // Public rooms are listed in the directory, so anyone can find what anyone can read.
    visibility: room.tier === 'public' && room.role !== 'space' ? 'public' : 'private',
    room_version: ROOM_VERSION,
    creation_content: {
      'm.federate': federates(room.tier),
      [CREATION_KEY_FIELD]: spec.creationKey,
      ...(room.role === 'space' ? { type: 'm.space' } : {}),
    },
    initial_state: [...desiredState(room, facts)].map(([key, content]) => {
      const [type = '', stateKey = ''] = key.split('|');
      return { type, state_key: stateKey, content };
    }),
    power_level_content_override: defaultPowerLevels(room, facts, moderators),
    invite: invite.filter((user) => user !== ''),
    ...(spec.aliasLocalpart ? { room_alias_name: spec.aliasLocalpart } : {}),
  };
}
