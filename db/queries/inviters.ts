/**
 * One inviter in one guild, for the dashboard's inviter page: their counters, XP and rank, and their
 * codes with uses and the joins attributed through each.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client';
import { invites, inviterStats, memberJoins, users } from '../schema';
import { shownXp } from './leaderboard';

export type InviterSummary = {
  inviterId: string;
  username: string | null;
  globalName: string | null;
  avatar: string | null;
  /** Members attributed to the inviter who are still in the server (incl. those waiting for the reward). */
  stillHere: number;
  /** The total that ranks: regular + bonus − fake. */
  total: number;
  bonus: number;
  left: number;
  /** Joins attributed to the inviter (self-invites not counted). */
  attributed: number;
  xp: number;
  /** Competition rank on the leaderboard, null without invites. */
  rank: number | null;
};

/** Null when the guild's stored data never saw this user as an inviter (no joins, no codes). */
export async function getInviterSummary(
  db: Db,
  guildId: string,
  inviterId: string,
): Promise<InviterSummary | null> {
  const [row] = await queryRows<{
    known: boolean;
    invites: number | null;
    present: number | null;
    bonus: number | null;
    leaves: number | null;
    joins: number | null;
    xp: number | null;
    rank: number | null;
    username: string | null;
    global_name: string | null;
    avatar: string | null;
  }>(
    db,
    sql`select
          (s.inviter_id is not null or exists (
            select 1 from ${invites} i where i.guild_id = ${guildId} and i.inviter_id = ${inviterId}
          )) as known,
          s.invites, s.regular + s.pending as present, s.bonus, s.leaves, s.joins,
          ${shownXp(guildId, sql`${inviterId}`)} as xp,
          case when s.invites > 0 then (select count(*)::int + 1 from ${inviterStats} above
            where above.guild_id = ${guildId} and above.invites > s.invites) end as rank,
          u.username, u.global_name, u.avatar
        from (select 1) one
        left join ${inviterStats} s on s.guild_id = ${guildId} and s.inviter_id = ${inviterId}
        left join ${users} u on u.id = ${inviterId}`,
  );
  if (!row?.known) return null;
  return {
    inviterId,
    username: row.username,
    globalName: row.global_name,
    avatar: row.avatar,
    stillHere: Number(row.present ?? 0),
    total: Number(row.invites ?? 0),
    bonus: Number(row.bonus ?? 0),
    left: Number(row.leaves ?? 0),
    attributed: Number(row.joins ?? 0),
    xp: Number(row.xp ?? 0),
    rank: row.rank === null ? null : Number(row.rank),
  };
}

export type InviterCode = {
  code: string;
  uses: number;
  maxUses: number;
  expiresAt: Date | null;
  /** Deleted or used up: kept for the record. */
  deletedAt: Date | null;
  /** Joins attributed through this code. */
  joins: number;
};

/** The inviter's codes (current first, then deleted ones), each with its uses and attributed joins. */
export async function listInviterCodes(
  db: Db,
  guildId: string,
  inviterId: string,
): Promise<InviterCode[]> {
  const rows = await queryRows<{
    code: string;
    uses: number;
    max_uses: number;
    expires_at: Date | string | null;
    deleted_at: Date | string | null;
    joins: number | string;
  }>(
    db,
    sql`select i.code, i.uses, i.max_uses, i.expires_at, i.deleted_at,
          (select count(*)::int from ${memberJoins} j
           where j.guild_id = i.guild_id and j.code = i.code and j.inviter_id = i.inviter_id) as joins
        from ${invites} i
        where i.guild_id = ${guildId} and i.inviter_id = ${inviterId}
        order by i.deleted_at is not null, i.uses desc, i.code
        limit 200`,
  );
  const date = (v: Date | string | null) => (v === null ? null : new Date(v));
  return rows.map((r) => ({
    code: r.code,
    uses: Number(r.uses),
    maxUses: Number(r.max_uses),
    expiresAt: date(r.expires_at),
    deletedAt: date(r.deleted_at),
    joins: Number(r.joins),
  }));
}
