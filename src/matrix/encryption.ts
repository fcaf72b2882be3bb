// What an m.room.encryption event says. Here, below every domain, because the
// tiers encrypt rooms and the community's DMs are encrypted the same way.

/** The one algorithm Matrix clients encrypt rooms with today. */
export const MEGOLM = 'm.megolm.v1.aes-sha2';
export const ROOM_ENCRYPTION: Record<string, unknown> = { algorithm: MEGOLM };
