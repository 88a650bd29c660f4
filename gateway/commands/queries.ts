/** The database reads (and the one write, a bonus) the commands need; replaceable in tests (e.g. by slow ones). */
import type { Db } from '../../db/client';
import { giveBonus } from '../../db/queries/bonus';
import type { LeaderboardPeriod } from '../../db/shared/periods';
import { latestJoinOf } from '../../db/queries/joins';
import { getInviterStanding, getLeaderboard, inviterCounts } from '../../db/queries/leaderboard';

export type CommandQueries = {
  leaderboard: (guildId: string, period?: LeaderboardPeriod) => ReturnType<typeof getLeaderboard>;
  standing: (
    guildId: string,
    userId: string,
    period?: LeaderboardPeriod,
  ) => ReturnType<typeof getInviterStanding>;
  latestJoin: (guildId: string, memberId: string) => ReturnType<typeof latestJoinOf>;
  /** The caller's counters (regular, left, fake, bonus, pending, total) for /invites uebersicht. */
  counts: (guildId: string, userId: string) => ReturnType<typeof inviterCounts>;
  /** /invites bonus: stores the bonus once per interaction, audited; the member's counters after. */
  giveBonus: (request: Parameters<typeof giveBonus>[1]) => ReturnType<typeof giveBonus>;
};

export function dbCommandQueries(db: Db): CommandQueries {
  return {
    leaderboard: (guildId, period) => getLeaderboard(db, guildId, { limit: 10, period }),
    standing: (guildId, userId, period) => getInviterStanding(db, guildId, userId, { period }),
    latestJoin: (guildId, memberId) => latestJoinOf(db, guildId, memberId),
    counts: (guildId, userId) => inviterCounts(db, guildId, userId),
    giveBonus: (request) => giveBonus(db, request),
  };
}
