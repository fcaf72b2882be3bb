// What the public pages read from the homeserver, as Hearth's bot: a room's
// latest messages, one event, the members' display names, an image's
// thumbnail. Only PublicPosts calls it, and only for rooms whose tier is
// public in Hearth's records. Read-only, so it is kept apart from the
// HomeserverClient that acts.
import { MatrixError } from '../../matrix/matrix-error.ts';
import type { RoomEvent } from './posts.ts';
import { httpRequest, type HttpAnswer } from '../../matrix/http.ts';

export interface Thumbnail {
  contentType: string;
  bytes: Uint8Array;
}

export interface PostReader {
  /** The room's latest messages, newest first; edits come bundled with what they edit. */
  latestMessages(roomId: string, limit: number): Promise<RoomEvent[]>;
  /** One event of the room, or null when the homeserver has none by that ID there. */
  event(roomId: string, eventId: string): Promise<RoomEvent | null>;
  /** Display names of the room's joined members. */
  displayNames(roomId: string): Promise<Map<string, string>>;
  /** A thumbnail of an mxc:// image no larger than the box, or null when there is none. */
  thumbnail(mxc: string, width: number, height: number): Promise<Thumbnail | null>;
}

export interface ReaderSettings {
  homeserverUrl: string;
  asToken: string;
  /** A fresh signal per request: the request's timeout and the stop's deadline. */
  requestSignal: () => AbortSignal;
}

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const MXC = /^mxc:\/\/([A-Za-z0-9.:[\]-]+)\/([A-Za-z0-9_-]+)$/;

export function homeserverPostReader(settings: ReaderSettings): PostReader {
  const request = async (path: string, query: Record<string, string> = {}): Promise<HttpAnswer> => {
    const url = new URL(path, settings.homeserverUrl);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return httpRequest(url, { headers: { authorization: `Bearer ${settings.asToken}` }, signal: settings.requestSignal() });
  };
  const json = async <T>(path: string, query: Record<string, string> = {}): Promise<T> => {
    const response = await request(path, query);
    const text = await response.text();
    if (!response.ok) throw MatrixError.fromResponse(response.status, text, response.headers.get('retry-after'));
    return JSON.parse(text) as T;
  };
  const room = (roomId: string): string => `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}`;
  return {
    async latestMessages(roomId, limit) {
      const filter = JSON.stringify({ types: ['m.room.message'], lazy_load_members: true });
      const page = await json<{ chunk?: RoomEvent[] }>(`${room(roomId)}/messages`, { dir: 'b', limit: String(limit), filter });
      return page.chunk ?? [];
    },
    async event(roomId, eventId) {
      try {
        return await json<RoomEvent>(`${room(roomId)}/event/${encodeURIComponent(eventId)}`);
      } catch (error) {
        // An ID the room does not have (or a malformed one) is simply no post.
        if (error instanceof MatrixError && [400, 403, 404].includes(error.httpStatus)) return null;
        throw error;
      }
    },
    async displayNames(roomId) {
      const answer = await json<{ joined?: Record<string, { display_name?: string | null }> }>(`${room(roomId)}/joined_members`);
      const names = new Map<string, string>();
      for (const [userId, member] of Object.entries(answer.joined ?? {})) if (member.display_name) names.set(userId, member.display_name);
      return names;
    },
    async thumbnail(mxc, width, height) {
      const parts = MXC.exec(mxc);
      if (!parts?.[1] || !parts[2]) return null;
      const response = await request(`/_matrix/client/v1/media/thumbnail/${encodeURIComponent(parts[1])}/${encodeURIComponent(parts[2])}`, {
        width: String(width), height: String(height), method: 'scale', animated: 'false',
      });
      if (response.status === 404 || response.status === 400) return null;
      if (!response.ok) throw MatrixError.fromResponse(response.status, await response.text(), response.headers.get('retry-after'));
      const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      // Only a picture goes out under Hearth's address, whatever was uploaded.
      if (!IMAGE_TYPES.has(contentType)) return null;
      return { contentType, bytes: await response.bytes() };
    },
  };
}
