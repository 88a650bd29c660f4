/** The history's inviter and member filters accept an id or the start of a name (prefix search). */
import { findGuildUserIdsByName } from '$db/queries/users';
import type { HistoryFilter } from '$db/queries/history';
import type { Db } from '$db/client';
import { isUserId, type HistoryQuery } from './query';

async function idsFor(
  db: Db,
  guildId: string,
  typed: string | null,
  role: 'inviter' | 'member',
): Promise<string[] | null> {
  if (!typed) return null;
  if (isUserId(typed)) return [typed];
  return findGuildUserIdsByName(db, guildId, typed.replace(/^@/, ''), role);
}

export async function historyFilter(
  db: Db,
  guildId: string,
  query: HistoryQuery,
): Promise<HistoryFilter> {
  const [inviterIds, memberIds] = await Promise.all([
    idsFor(db, guildId, query.inviter, 'inviter'),
    idsFor(db, guildId, query.member, 'member'),
  ]);
  return { outcome: query.outcome, flag: query.flag, code: query.code, inviterIds, memberIds };
}
