/** A leaderboard row as the overview's top list and the leaderboard page show it: with a display name. */
import type { LeaderboardRow } from '$db/queries/leaderboard';
import { displayName } from '$db/queries/users';
import { userAvatarUrl } from '$lib/avatar';

export function leaderboardView(row: LeaderboardRow) {
  const profile =
    row.username === null ? undefined : { username: row.username, globalName: row.globalName };
  return {
    rank: row.rank,
    inviterId: row.inviterId,
    name: displayName(profile, row.inviterId),
    avatar: userAvatarUrl(row.inviterId, row.avatar),
    invites: row.invites,
    regular: row.regular,
    leaves: row.leaves,
    fake: row.fake,
    bonus: row.bonus,
    pending: row.pending,
    joins: row.joins,
    xp: row.xp,
  };
}
