/** The inviter filter accepts an id or a name; names become the ids of this guild's inviters. */
import { findInviterIdsByName, type HistoryFilter } from '$db/queries/history';
import type { Db } from '$db/client';
import { isUserId, type HistoryQuery } from './query';

export async function historyFilter(
  db: Db,
  guildId: string,
  query: HistoryQuery,
): Promise<HistoryFilter> {
  let inviterIds: string[] | null = null;
  if (query.inviter) {
    inviterIds = isUserId(query.inviter)
      ? [query.inviter]
      : await findInviterIdsByName(db, guildId, query.inviter.replace(/^@/, ''));
  }
  return { outcome: query.outcome, flag: query.flag, code: query.code, inviterIds };
}
