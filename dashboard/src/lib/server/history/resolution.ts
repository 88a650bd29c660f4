/** What an admin assigned to a join, for the confirmation after "Assign" and the join's page. */
import type { Db } from '$db/client';
import type { HistoryRow } from '$db/queries/history';
import { displayName, getUsers } from '$db/queries/users';
import { userAvatarUrl } from '$lib/avatar';

export type Resolution = {
  joinId: number;
  member: string;
  code: string | null;
  inviterId: string | null;
  inviter: string | null;
  inviterAvatar: string | null;
  by: string;
  at: string;
};

/** Null for a join no admin resolved. */
export async function resolutionOf(db: Db, row: HistoryRow): Promise<Resolution | null> {
  if (!row.resolvedBy || !row.resolvedAt) return null;
  const admins = await getUsers(db, [row.resolvedBy]);
  return {
    joinId: row.id,
    member: row.memberName ?? row.memberId,
    code: row.code,
    inviterId: row.inviterId,
    inviter: row.inviterId ? (row.inviterName ?? row.inviterId) : null,
    inviterAvatar: row.inviterId ? userAvatarUrl(row.inviterId, row.inviterAvatar) : null,
    by: displayName(admins.get(row.resolvedBy), row.resolvedBy),
    at: row.resolvedAt.toISOString(),
  };
}
