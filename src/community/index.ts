// The community domain's public surface.
export { adminNotifier, type NotifyAdmins } from './admin-notices.ts';
export { isCommunityMember, MemberDirectory } from './members.ts';
