// The posts the public pages show, read from the homeserver for the rooms
// whose tier is public in Hearth's records, and only for those. The tier is
// looked up on every request (the managed rooms store answers from memory and
// forgets on every tier change), so a room narrowed away from public is gone
// from the next page; what was read from the homeserver is kept a few seconds
// per room, and a new message or a redaction there forgets it at once. Who is
// shown (members, not opted out) is decided on every request too.
import type { ManagedRoomRow } from '../../store/managed-rooms-store.ts';
import { choosePosts, latestOf, postOf, type Post, type RoomEvent } from './posts.ts';
import type { PostReader } from './reader.ts';
import type { WebOptOuts } from './opt-outs.ts';

/** A post as a page shows it: who wrote it and where. */
export interface ShownPost extends Post {
  author: string;
  roomName: string;
}

export interface PublicPostsOptions {
  rooms: { all(): Promise<ManagedRoomRow[]>; byRoomId(roomId: string): Promise<ManagedRoomRow | null> };
  reader: PostReader;
  optOuts: Pick<WebOptOuts, 'optedOut'>;
  /** Community members: only their posts are the community's to show. */
  isMember: (userId: string) => boolean;
  /** How long a room's messages, once read, are served without reading again. */
  cacheMs: number;
  /** How many of each room's latest messages are read. */
  messagesPerRoom: number;
  now?: () => number;
}

interface RoomRead {
  events: RoomEvent[];
  names: Map<string, string>;
}

/** Whether the pages may read a room: its tier in Hearth's records is public. */
export function isPublicRoom(row: ManagedRoomRow | null): row is ManagedRoomRow & { roomId: string } {
  return row !== null && row.roomId !== null && row.tier === 'public' && (row.role === 'public_square' || row.role === 'topic');
}

const EVENT_ID = /^\$[!-~]{1,254}$/;

export class PublicPosts {
  private readonly o: PublicPostsOptions;
  private readonly now: () => number;
  private readonly reads = new Map<string, { at: number; read: Promise<RoomRead> }>();

  constructor(options: PublicPostsOptions) {
    this.o = options;
    this.now = options.now ?? Date.now;
  }

  /** The rooms the pages read, oldest first. */
  async publicRooms(): Promise<(ManagedRoomRow & { roomId: string })[]> {
    return (await this.o.rooms.all()).filter(isPublicRoom);
  }

  /** The newest `limit` posts of every public room together. */
  async latest(limit: number): Promise<ShownPost[]> {
    const rooms = await this.publicRooms();
    const isShown = await this.shownAuthors();
    const perRoom = await Promise.all(rooms.map(async (row) => {
      const read = await this.read(row.roomId);
      return choosePosts(row.roomId, read.events, isShown).map((post) => this.shown(post, row, read));
    }));
    return latestOf(perRoom, limit);
  }

  /** One post, or null for anything that is not a shown post of a public room: the page answers 404 alike. */
  async post(roomId: string, eventId: string): Promise<ShownPost | null> {
    const row = await this.o.rooms.byRoomId(roomId);
    if (!isPublicRoom(row) || !EVENT_ID.test(eventId)) return null;
    const read = await this.read(row.roomId);
    const event = read.events.find((e) => e.event_id === eventId) ?? await this.o.reader.event(row.roomId, eventId);
    if (!event) return null;
    const post = postOf(row.roomId, event, await this.shownAuthors());
    return post ? this.shown(post, row, read) : null;
  }

  /** Something changed in the room (a message, a redaction): the next page reads it again. */
  forget(roomId: string): void {
    this.reads.delete(roomId);
  }

  private async shownAuthors(): Promise<(userId: string) => boolean> {
    const optedOut = await this.o.optOuts.optedOut();
    return (userId) => this.o.isMember(userId) && !optedOut.has(userId);
  }

  private shown(post: Post, row: ManagedRoomRow, read: RoomRead): ShownPost {
    return { ...post, author: read.names.get(post.sender) ?? post.sender, roomName: row.name };
  }

  private read(roomId: string): Promise<RoomRead> {
    const cached = this.reads.get(roomId);
    if (cached && this.now() - cached.at < this.o.cacheMs) return cached.read;
    const read = Promise.all([this.o.reader.latestMessages(roomId, this.o.messagesPerRoom), this.o.reader.displayNames(roomId)])
      .then(([events, names]) => ({ events, names }));
    const entry = { at: this.now(), read };
    this.reads.set(roomId, entry);
    // A failed read is not kept: the next page tries again.
    read.catch(() => { if (this.reads.get(roomId) === entry) this.reads.delete(roomId); });
    return read;
  }
}
