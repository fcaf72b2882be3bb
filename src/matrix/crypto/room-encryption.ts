// Which rooms are encrypted. Encryption is never turned off, so a room once
// seen encrypted stays so; a room seen unencrypted is asked again once its
// m.room.encryption event arrives.
import type { HomeserverClient } from '../client.ts';

export class RoomEncryption {
  private readonly known = new Map<string, boolean>();

  async isEncrypted(roomId: string, asker: HomeserverClient): Promise<boolean> {
    const known = this.known.get(roomId);
    if (known !== undefined) return known;
    const content = await asker.getStateEvent(roomId, 'm.room.encryption', '');
    const encrypted = typeof content?.algorithm === 'string';
    // A later note may have arrived while asking; it wins.
    if (!this.known.get(roomId)) this.known.set(roomId, encrypted);
    return encrypted;
  }

  /** An m.room.encryption event arrived for the room. */
  noteEncrypted(roomId: string): void {
    this.known.set(roomId, true);
  }
}
