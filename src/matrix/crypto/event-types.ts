// The names the encryption layer gives what it opens, in a module of their own
// so that knowing them does not load the crypto.

/** The type of the event a message that could not be decrypted turns into. */
export const UNDECRYPTABLE = 'org.hearth.undecryptable';

/** Set in `unsigned` of an event that arrived encrypted. */
export const WAS_ENCRYPTED = 'org.hearth.was_encrypted';
