/**
 * After a lost session Discord replays nothing: members who joined while we could not see them are
 * found in the member list (joined_at after the stored baseline's fetch) and attributed against the
 * stored baseline, or recorded as joined during downtime.
 */
import type { API } from '@discordjs/core';
import type { Db } from '../../db/client';
import { joinsRecordedSince } from '../../db/queries/joins';
import type { Logger } from '../../db/shared/log';
import type { PendingJoin } from '../attribution/types';
import { listMembersJoinedSince } from '../discord/invites-api';
import { joinKey } from './guild-runner';

export type MissedJoin = { join: PendingJoin; bot: boolean };

export type DowntimeScan = {
  api: API;
  db: Db;
  log: Logger;
  guildId: string;
  memberCount: number;
  /** When the stored baseline's fetch was sent: uses before it are in the baseline. */
  since: number;
  /** Guilds larger than this are not listed (the list is ordered by id, so it is read whole). */
  limit: number;
  botUserId: string | null;
  now: number;
};

/**
 * Members who joined since the baseline without us recording it. No margin for clock skew on
 * purpose: a skewed join lands on the wrong side and its batch ends up unpaired (downtime), never
 * wrongly paired.
 */
export async function findMissedJoins(scan: DowntimeScan): Promise<MissedJoin[]> {
  const { log, guildId } = scan;
  if (scan.memberCount > scan.limit) {
    log.info(
      { guildId, members: scan.memberCount },
      'guild too large to look for joins missed while offline; only the invite counts are updated',
    );
    return [];
  }
  try {
    const listed = await listMembersJoinedSince(scan.api, guildId, scan.since, scan.limit);
    const recorded = await joinsRecordedSince(scan.db, guildId, new Date(scan.since));
    const known = new Set(recorded.map((r) => joinKey(r.memberId, r.joinedAt.toISOString())));
    const missed = (listed ?? [])
      .filter((m) => m.id !== scan.botUserId && !known.has(joinKey(m.id, m.joinedAt)))
      .map((m) => ({
        join: {
          key: joinKey(m.id, m.joinedAt),
          memberId: m.id,
          joinedAt: m.joinedAt,
          receivedAt: scan.now,
        },
        bot: m.bot,
      }));
    if (missed.length > 0)
      log.info({ guildId, missed: missed.length }, 'found joins missed while offline');
    return missed;
  } catch (error) {
    log.warn({ guildId, err: error }, 'could not list members to find joins missed while offline');
    return [];
  }
}
