/**
 * The join history for the dashboard: filtered, paged newest first with a keyset cursor, counted
 * (with a cap, so a count never scans millions of rows), exported in batches, and joins per day for
 * the most used codes.
 *
 * Order is `(joined_at desc, id desc)` everywhere, matching the indexes on member_joins (see
 * schema.ts): with a guild and at most one of outcome / inviter / code / left, a page is one index
 * range scan however deep the cursor is.
 */
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../client';
import {
  FAKE_FLAGS,
  memberJoins,
  users,
  type FakeFlag,
  type JoinCandidate,
  type JoinOutcome,
  type RewardStatus,
} from '../schema';

/** What the history can be filtered by: a stored outcome, or "left" (the member left again). */
export const HISTORY_OUTCOMES = [
  'exact',
  'ambiguous',
  'vanity',
  'bot',
  'unknown',
  'downtime',
  'no_permission',
  'pending',
  'left',
] as const;
export type HistoryOutcome = (typeof HISTORY_OUTCOMES)[number];

/** Fair-play filters: joins counted as fake, rewards still waiting, or one fake-account flag. */
export const HISTORY_FLAGS = ['fake', 'reward_pending', ...FAKE_FLAGS] as const;
export type HistoryFlag = (typeof HISTORY_FLAGS)[number];

export type HistoryFilter = {
  outcome?: HistoryOutcome | null;
  flag?: HistoryFlag | null;
  code?: string | null;
  /** Joins attributed to any of these inviters (an empty list matches nothing). */
  inviterIds?: readonly string[] | null;
  /** Joins of any of these members (an empty list matches nothing). */
  memberIds?: readonly string[] | null;
};

/** Position in the history: the (joined_at, id) of a row, joined_at in microseconds since the epoch. */
export type HistoryCursor = { micros: bigint; id: number };

export function encodeCursor(cursor: HistoryCursor): string {
  return `${cursor.micros}_${cursor.id}`;
}

export function decodeCursor(value: string | null | undefined): HistoryCursor | null {
  // At most 16 digits of microseconds (beyond the year 2200): larger values overflow timestamps.
  const match = /^(\d{1,16})_(\d{1,15})$/.exec(value ?? '');
  if (!match) return null;
  return { micros: BigInt(match[1]!), id: Number(match[2]) };
}

export type HistoryRow = {
  id: number;
  memberId: string;
  memberName: string | null;
  /** Discord avatar hash of the member / inviter (null: default avatar or not known). */
  memberAvatar: string | null;
  memberBot: boolean;
  joinedAt: Date;
  outcome: JoinOutcome;
  reason: string | null;
  code: string | null;
  inviterId: string | null;
  inviterName: string | null;
  inviterAvatar: string | null;
  candidates: JoinCandidate[] | null;
  excluded: boolean;
  xpAwarded: number;
  leftAt: Date | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  /** When a later fact last changed the gateway's decision (see join_revisions). */
  revisedAt: Date | null;
  fake: boolean;
  fakeFlags: FakeFlag[];
  rewardStatus: RewardStatus | null;
  rewardDueAt: Date | null;
  cursor: string;
};

type RawRow = {
  id: number | string;
  member_id: string | bigint;
  member_name: string | null;
  member_avatar: string | null;
  member_bot: boolean;
  joined_at: Date | string;
  joined_micros: string | bigint;
  outcome: JoinOutcome;
  reason: string | null;
  code: string | null;
  inviter_id: string | bigint | null;
  inviter_name: string | null;
  inviter_avatar: string | null;
  candidates: JoinCandidate[] | string | null;
  excluded: boolean;
  xp_awarded: number;
  left_at: Date | string | null;
  resolved_by: string | bigint | null;
  resolved_at: Date | string | null;
  revised_at: Date | string | null;
  fake: boolean;
  fake_flags: FakeFlag[] | string;
  reward_status: RewardStatus | null;
  reward_due_at: Date | string | null;
};

const toDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));
const toDateOrNull = (v: Date | string | null) => (v === null ? null : toDate(v));
const idOrNull = (v: string | bigint | null) => (v === null ? null : String(v));

function mapRow(r: RawRow): HistoryRow {
  const id = Number(r.id);
  return {
    id,
    memberId: String(r.member_id),
    memberName: r.member_name,
    memberAvatar: r.member_avatar,
    memberBot: r.member_bot,
    joinedAt: toDate(r.joined_at),
    outcome: r.outcome,
    reason: r.reason,
    code: r.code,
    inviterId: idOrNull(r.inviter_id),
    inviterName: r.inviter_name,
    inviterAvatar: r.inviter_avatar,
    candidates: typeof r.candidates === 'string' ? JSON.parse(r.candidates) : r.candidates,
    excluded: r.excluded,
    xpAwarded: Number(r.xp_awarded),
    leftAt: toDateOrNull(r.left_at),
    resolvedBy: idOrNull(r.resolved_by),
    resolvedAt: toDateOrNull(r.resolved_at),
    revisedAt: toDateOrNull(r.revised_at),
    fake: r.fake,
    fakeFlags: typeof r.fake_flags === 'string' ? JSON.parse(r.fake_flags) : r.fake_flags,
    rewardStatus: r.reward_status,
    rewardDueAt: toDateOrNull(r.reward_due_at),
    cursor: encodeCursor({ micros: BigInt(r.joined_micros), id }),
  };
}

/** The WHERE conditions for a guild and filter, over `member_joins j`. */
function conditions(guildId: string, filter: HistoryFilter): SQL {
  const parts: SQL[] = [sql`j.guild_id = ${guildId}`];
  if (filter.outcome === 'left') parts.push(sql`j.left_at is not null`);
  else if (filter.outcome) parts.push(sql`j.outcome = ${filter.outcome}`);
  if (filter.flag === 'fake') parts.push(sql`j.fake`);
  else if (filter.flag === 'reward_pending') parts.push(sql`j.reward_status = 'pending'`);
  else if (filter.flag) parts.push(sql`j.fake_flags @> ${JSON.stringify([filter.flag])}::jsonb`);
  if (filter.code) parts.push(sql`j.code = ${filter.code}`);
  if (filter.inviterIds) parts.push(oneOf(sql`j.inviter_id`, filter.inviterIds));
  if (filter.memberIds) parts.push(oneOf(sql`j.member_id`, filter.memberIds));
  return sql.join(parts, sql` and `);
}

function oneOf(column: SQL, ids: readonly string[]): SQL {
  if (ids.length === 0) return sql`false`;
  if (ids.length === 1) return sql`${column} = ${ids[0]}`;
  return sql`${column} in (${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )})`;
}

const cursorTime = (c: HistoryCursor) =>
  sql`(timestamptz 'epoch' + ${c.micros.toString()}::bigint * interval '1 microsecond')`;

const selectColumns = sql`j.id, j.member_id, j.member_bot,
  j.joined_at, (extract(epoch from j.joined_at) * 1000000)::bigint as joined_micros, j.outcome,
  j.reason, j.code, j.inviter_id, j.candidates, j.excluded, j.xp_awarded, j.left_at,
  j.resolved_by, j.resolved_at, j.revised_at, j.fake, j.fake_flags, j.reward_status, j.reward_due_at,
  coalesce(nullif(m.global_name, ''), m.username) as member_name,
  coalesce(nullif(i.global_name, ''), i.username) as inviter_name,
  m.avatar as member_avatar, i.avatar as inviter_avatar`;

export type HistoryPage = {
  rows: HistoryRow[];
  /** Cursor for the next older page, or null at the oldest row. */
  older: string | null;
  /** Cursor for the next newer page, or null at the newest row. */
  newer: string | null;
};

/**
 * One page of the history, newest first. `before` pages towards older joins (rows strictly older
 * than the cursor), `after` towards newer ones (rows strictly newer, still returned newest first).
 */
export async function listJoins(
  db: Db,
  guildId: string,
  filter: HistoryFilter,
  options: { limit?: number; before?: HistoryCursor | null; after?: HistoryCursor | null } = {},
): Promise<HistoryPage> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
  const where = [conditions(guildId, filter)];
  const forward = !options.after;
  if (options.before)
    where.push(sql`(j.joined_at, j.id) < (${cursorTime(options.before)}, ${options.before.id})`);
  if (options.after)
    where.push(sql`(j.joined_at, j.id) > (${cursorTime(options.after)}, ${options.after.id})`);
  const order = forward
    ? sql`j.joined_at desc nulls last, j.id desc nulls last`
    : sql`j.joined_at asc nulls first, j.id asc nulls first`;
  const raw = await queryRows<RawRow>(
    db,
    sql`select ${selectColumns}
        from ${memberJoins} j
        left join ${users} m on m.id = j.member_id
        left join ${users} i on i.id = j.inviter_id
        where ${sql.join(where, sql` and `)}
        order by ${order}
        limit ${limit + 1}`,
  );
  const more = raw.length > limit;
  const rows = raw.slice(0, limit).map(mapRow);
  if (!forward) rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (forward) {
    return {
      rows,
      older: more && last ? last.cursor : null,
      newer: options.before && first ? first.cursor : null,
    };
  }
  return {
    rows,
    older: last ? last.cursor : null,
    newer: more && first ? first.cursor : null,
  };
}

/** How many joins match, counting at most `cap` (so the answer stays cheap at millions of rows). */
export async function countJoins(
  db: Db,
  guildId: string,
  filter: HistoryFilter,
  cap = 10_000,
): Promise<{ count: number; capped: boolean }> {
  const [row] = await queryRows<{ n: number | string }>(
    db,
    sql`select count(*)::int as n from (
          select 1 from ${memberJoins} j where ${conditions(guildId, filter)} limit ${cap + 1}
        ) limited`,
  );
  const n = Number(row?.n ?? 0);
  return n > cap ? { count: cap, capped: true } : { count: n, capped: false };
}

/** Every matching join, newest first, in batches (for the CSV export). */
export async function* exportJoins(
  db: Db,
  guildId: string,
  filter: HistoryFilter,
  options: { batchSize?: number; maxRows?: number } = {},
): AsyncGenerator<HistoryRow[]> {
  const batchSize = options.batchSize ?? 2000;
  let remaining = options.maxRows ?? Number.POSITIVE_INFINITY;
  let before: HistoryCursor | null = null;
  while (remaining > 0) {
    const page: HistoryPage = await listJoins(db, guildId, filter, {
      limit: Math.min(batchSize, remaining, 500),
      before,
    });
    if (page.rows.length === 0) return;
    yield page.rows;
    remaining -= page.rows.length;
    if (!page.older) return;
    before = decodeCursor(page.older);
  }
}

/** One join of a guild (for the resolve page), or null. */
export async function getJoin(db: Db, guildId: string, joinId: number): Promise<HistoryRow | null> {
  if (!Number.isSafeInteger(joinId) || joinId <= 0) return null;
  const [row] = await queryRows<RawRow>(
    db,
    sql`select ${selectColumns}
        from ${memberJoins} j
        left join ${users} m on m.id = j.member_id
        left join ${users} i on i.id = j.inviter_id
        where j.guild_id = ${guildId} and j.id = ${joinId}`,
  );
  return row ? mapRow(row) : null;
}

export type JoinsPerDay = {
  /** `day` buckets, or `week` (Monday–Sunday) when all time spans more than WEEKLY_AFTER_DAYS. */
  bucket: 'day' | 'week';
  /** The most used codes in the window, most joins first. */
  codes: string[];
  /**
   * One entry per UTC day (or week, by its Monday) of the window, oldest first: all joins (`total`,
   * with or without a code) and a count per top code (0 when none).
   */
  days: { day: string; total: number; counts: Record<string, number> }[];
};

const DAY_MS = 86_400_000;
/** An all-time chart switches to weeks beyond this span, so it never has more than ~a few hundred points. */
export const WEEKLY_AFTER_DAYS = 120;

const utcDay = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;
/** The Monday (UTC) of the week containing `t` (1970-01-01 was a Thursday). */
const utcMonday = (t: number) => utcDay(t) - ((Math.floor(t / DAY_MS) + 3) % 7) * DAY_MS;

/**
 * Joins per UTC day over the last `days` days (`null`: since the first join) for the `top` codes
 * with the most joins in that window, plus all joins per day; optionally of one inviter only.
 */
export async function joinsPerDay(
  db: Db,
  guildId: string,
  options: { days?: number | null; top?: number; now?: Date; inviterId?: string } = {},
): Promise<JoinsPerDay> {
  const top = options.top ?? 5;
  const now = options.now ?? new Date();
  const end = utcDay(now.getTime()) + DAY_MS;
  const ofInviter = options.inviterId ? sql`and j.inviter_id = ${options.inviterId}` : sql``;
  let start: number;
  if (options.days === null) {
    const [first] = await queryRows<{ at: Date | string | null }>(
      db,
      sql`select min(j.joined_at) as at from ${memberJoins} j where j.guild_id = ${guildId} ${ofInviter}`,
    );
    start = first?.at ? utcDay(toDate(first.at).getTime()) : end - DAY_MS;
  } else {
    start = end - (options.days ?? 30) * DAY_MS;
  }
  const bucket = (end - start) / DAY_MS > WEEKLY_AFTER_DAYS ? 'week' : 'day';
  if (bucket === 'week') start = utcMonday(start);
  const bucketOf =
    bucket === 'week'
      ? sql`to_char(date_trunc('week', r.joined_at at time zone 'UTC'), 'YYYY-MM-DD')`
      : sql`to_char(r.joined_at at time zone 'UTC', 'YYYY-MM-DD')`;
  const rows = await queryRows<{ code: string | null; day: string; n: number | string }>(
    db,
    sql`with recent as (
          select j.code, j.joined_at from ${memberJoins} j
          where j.guild_id = ${guildId} and j.joined_at >= ${new Date(start).toISOString()}::timestamptz
            and j.joined_at < ${new Date(end).toISOString()}::timestamptz ${ofInviter}
        ), top_codes as (
          select code from recent where code is not null
          group by code order by count(*) desc, code limit ${top}
        )
        select t.code, ${bucketOf} as day, count(*)::int as n
        from recent r left join top_codes t on t.code = r.code
        group by t.code, day`,
  );
  const totals = new Map<string, number>();
  for (const r of rows) {
    if (r.code !== null) totals.set(r.code, (totals.get(r.code) ?? 0) + Number(r.n));
  }
  const codes = [...totals.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code]) => code);
  const step = bucket === 'week' ? 7 * DAY_MS : DAY_MS;
  const byDay = new Map<string, { total: number; counts: Record<string, number> }>();
  for (let t = start; t < end; t += step) {
    byDay.set(new Date(t).toISOString().slice(0, 10), {
      total: 0,
      counts: Object.fromEntries(codes.map((c) => [c, 0])),
    });
  }
  for (const r of rows) {
    const entry = byDay.get(r.day);
    if (!entry) continue;
    entry.total += Number(r.n);
    if (r.code !== null) entry.counts[r.code] = Number(r.n);
  }
  return { bucket, codes, days: [...byDay.entries()].map(([day, v]) => ({ day, ...v })) };
}

/**
 * Joins of the last `days` days by outcome, plus how many of them left again, counted as fake, or
 * still wait for their reward (guild overview).
 */
export async function recentJoinSummary(
  db: Db,
  guildId: string,
  options: { days?: number; now?: Date } = {},
): Promise<{
  total: number;
  left: number;
  fake: number;
  rewardPending: number;
  byOutcome: Partial<Record<JoinOutcome, number>>;
}> {
  const now = options.now ?? new Date();
  const since = new Date(now.getTime() - (options.days ?? 7) * 86_400_000);
  const rows = await queryRows<{
    outcome: JoinOutcome;
    n: number | string;
    left: number | string;
    fake: number | string;
    pending: number | string;
  }>(
    db,
    sql`select j.outcome, count(*)::int as n, count(*) filter (where j.left_at is not null)::int as left,
               count(*) filter (where j.fake)::int as fake,
               count(*) filter (where j.reward_status = 'pending')::int as pending
        from ${memberJoins} j
        where j.guild_id = ${guildId} and j.joined_at >= ${since.toISOString()}::timestamptz
        group by j.outcome`,
  );
  const byOutcome: Partial<Record<JoinOutcome, number>> = {};
  let total = 0;
  let left = 0;
  let fake = 0;
  let rewardPending = 0;
  for (const r of rows) {
    byOutcome[r.outcome] = Number(r.n);
    total += Number(r.n);
    left += Number(r.left);
    fake += Number(r.fake);
    rewardPending += Number(r.pending);
  }
  return { total, left, fake, rewardPending, byOutcome };
}
