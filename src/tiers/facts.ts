// What the tier policy needs to know about the community, gathered by the
// caller: the policy itself reads nothing and writes nothing.

export interface CommunityFacts {
  serverName: string;
  /** The community space; local rooms admit members of it. Null before it exists. */
  spaceId: string | null;
  /** Other servers of the neighborhood, not including this one. */
  neighbors: readonly string[];
  /** Servers (or globs) this community has cut off. */
  defederated: readonly string[];
  admins: readonly string[];
  /** Admins removed from chat (`!admin remove`): the moderator power Hearth gave them is taken back. */
  formerAdmins?: readonly string[];
  /**
   * The localpart every Hearth of a neighborhood gives its main bot. A
   * neighbor's bot may invite its own members to our neighborhood rooms.
   * Without it, no neighbor's bot is given that power.
   */
  botLocalpart?: string;
}
