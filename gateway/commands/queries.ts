/** The database reads (and the one write, a bonus) the commands need; replaceable in tests (e.g. by slow ones). */
import type { Db } from '../../db/client';
import { giveBonus } from '../../db/queries/bonus';
import type { LeaderboardPeriod } from '../../db/shared/periods';
import { latestJoinOf } from '../../db/queries/joins';
import {
  getInviterStanding,
  getLeaderboard,
  inviterCounts,
  type InviterCounts,
} from '../../db/queries/leaderboard';
import { personalLinksOf } from '../../db/queries/personal-links';
import { getRewardTiers } from '../../db/queries/reward-roles';
import type { RewardTier } from '../../db/shared/reward-roles';

/** What /invites uebersicht shows besides the invite snapshot. */
export type OverviewData = {
  counts: InviterCounts;
  tiers: RewardTier[];
  /** The caller's personal link codes. */
  personalCodes: string[];
};

export type CommandQueries = {
  leaderboard: (guildId: string, period?: LeaderboardPeriod) => ReturnType<typeof getLeaderboard>;
  standing: (
    guildId: string,
    userId: string,
    period?: LeaderboardPeriod,
  ) => ReturnType<typeof getInviterStanding>;
  latestJoin: (guildId: string, memberId: string) => ReturnType<typeof latestJoinOf>;
  /** The caller's counters (regular, left, fake, bonus, pending, total), the tiers, their links. */
  overview: (guildId: string, userId: string) => Promise<OverviewData>;
  /** /invites bonus: stores the bonus once per interaction, audited; the member's counters after. */
  giveBonus: (request: Parameters<typeof giveBonus>[1]) => ReturnType<typeof giveBonus>;
};

export function dbCommandQueries(db: Db): CommandQueries {
  return {
    leaderboard: (guildId, period) => getLeaderboard(db, guildId, { limit: 10, period }),
    standing: (guildId, userId, period) => getInviterStanding(db, guildId, userId, { period }),
    latestJoin: (guildId, memberId) => latestJoinOf(db, guildId, memberId),
    overview: async (guildId, userId) => {
      const [counts, tiers, links] = await Promise.all([
        inviterCounts(db, guildId, userId),
        getRewardTiers(db, guildId),
        personalLinksOf(db, guildId, userId),
      ]);
      return { counts, tiers, personalCodes: links.map((l) => l.code) };
    },
    giveBonus: (request) => giveBonus(db, request),
  };
}
