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
import { joinKey, type GuildRunner } from './guild-runner';

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
 * Members who joined since the baseline without us recording it, or null when the member list could
 * not be read. No margin for clock skew on purpose: a skewed join lands on the wrong side and its
 * batch ends up unpaired (downtime), never wrongly paired.
 */
export async function findMissedJoins(scan: DowntimeScan): Promise<MissedJoin[] | null> {
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
    return null;
  }
}

/**
 * Reconciles a guild after a lost session: its baseline stays where it was until the member list
 * was read (so the missed joins' uses can still be paired with them), retried on `retryDelaysMs`
 * when Discord fails; joins found are recorded and attributed. Gives up (and lets the baseline move
 * on) only after the last retry.
 */
export async function reconcileAfterDowntime(
  scan: Omit<DowntimeScan, 'now'> & { now: () => number },
  runner: Pick<GuildRunner, 'awaitReconcile' | 'reconcile' | 'stopped'>,
  retryDelaysMs: readonly number[],
): Promise<void> {
  runner.awaitReconcile();
  for (let attempt = 0; ; attempt++) {
    const missed = await findMissedJoins({ ...scan, now: scan.now() });
    if (missed) return runner.reconcile(missed);
    const delay = retryDelaysMs[attempt];
    if (delay === undefined || runner.stopped) {
      scan.log.error(
        { guildId: scan.guildId, attempts: attempt + 1 },
        'gave up looking for joins missed while offline; they stay unrecorded',
      );
      return runner.reconcile([]);
    }
    scan.log.info({ guildId: scan.guildId, retryInMs: delay }, 'will list members again');
    await new Promise((resolve) => setTimeout(resolve, delay).unref());
  }
}
