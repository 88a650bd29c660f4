/**
 * `npm run bench -- dashboard`: the dashboard on Postgres with 1,000,000 joins in one guild.
 *
 * - Queries: the leaderboard (top page and a deep page) of each period (7 days, 30 days, this
 *   season, all time), the once-a-day window move of the rolling periods, a past season counted
 *   from the records, a season reset and its restore, history pages (unfiltered, by code, by
 *   outcome, "left", a deep keyset page), the capped count and joins per day, each p50/p95 over
 *   repeated runs, with the index each plan uses.
 * - Pages: the BUILT dashboard (child process) against the simulator, logged in through its OAuth;
 *   server time of the guild overview and the join-history page (Server-Timing `app`, which covers
 *   the whole request inside the server) and the time the client saw, p50/p95.
 *
 * Targets: page p95 < 100 ms, leaderboard < 10 ms. Database: BENCH_DATABASE_URL, TEST_DATABASE_URL
 * or postgres://postgres@127.0.0.1:5432/test; the benchmark creates and drops its own database.
 * BENCH_JOINS changes the number of joins (default 1,000,000).
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { createDb, queryRows, type Db } from '../../db/client';
import { migrate } from '../../db/migrate';
import {
  countJoins,
  decodeCursor,
  joinsPerDay,
  listJoins,
  type HistoryFilter,
} from '../../db/queries/history';
import {
  countLeaderboard,
  ensurePeriodWindow,
  getLeaderboard,
  recomputeInviterStats,
} from '../../db/queries/leaderboard';
import {
  getSeasonLeaderboard,
  listSeasons,
  restoreSeason,
  startSeason,
} from '../../db/queries/seasons';
import { upsertUsers } from '../../db/queries/users';
import { cookieHeader, DashboardStack, loginWithFetch } from '../browser/stack';
import type { BenchResult } from './run';
import { storeGuild } from '../helpers/db';

const JOINS = Number(process.env.BENCH_JOINS ?? 1_000_000);
const INVITERS = 2000;
const BASE_URL =
  process.env.BENCH_DATABASE_URL ||
  process.env.TEST_DATABASE_URL ||
  'postgres://postgres@127.0.0.1:5432/test';

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}
const r1 = (n: number) => Math.round(n * 10) / 10;
const r2 = (n: number) => Math.round(n * 100) / 100;

async function timed(
  runs: number,
  fn: () => Promise<unknown>,
): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < Math.min(5, runs); i++) await fn(); // warm caches and plans
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return { p50: r2(pct(times, 50)), p95: r2(pct(times, 95)) };
}

/** The index names a query's plan uses (to show the history filters are index scans). */
async function planIndexes(db: Db, query: ReturnType<typeof sql>): Promise<string> {
  const rows = await queryRows<{ 'QUERY PLAN': string }>(db, sql`explain ${query}`);
  const names = new Set<string>();
  for (const row of rows) {
    for (const m of row['QUERY PLAN'].matchAll(/using (\w+)/gi)) names.add(m[1]!);
    for (const m of row['QUERY PLAN'].matchAll(/Seq Scan on (\w+)/g)) names.add(`seq scan ${m[1]}`);
  }
  return [...names].join(', ') || 'none';
}

async function seed(db: Db, guildId: string, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  await storeGuild(db, guildId, 'Benchmark');
  // Inviters 700…0001-2000 (one code each, a skewed popularity), members 900…0001-N.
  await db.execute(sql`insert into users (id, username, global_name)
    select 700000000000000000 + g, 'inviter' || g, 'Inviter ' || g from generate_series(1, ${INVITERS}) g`);
  await db.execute(sql`insert into users (id, username, global_name)
    select 900000000000000000 + g, 'member' || g, null from generate_series(1, ${JOINS}) g`);
  await db.execute(sql`insert into invites (guild_id, code, uses, inviter_id, channel_id)
    select ${guildId}, 'code' || g, 0, 700000000000000000 + g, 100 from generate_series(1, ${INVITERS}) g`);
  // One join every 30 s going back (1,000,000 joins ≈ 347 days): 5 % ambiguous, 2 % unknown,
  // 1 % bots, 1 % vanity, the rest exact through a code picked with a power law; 10 % left.
  await db.execute(sql`insert into member_joins
      (guild_id, member_id, member_bot, joined_at, outcome, reason, code, inviter_id, candidates,
       excluded, xp_awarded, decided_at, left_at)
    select ${guildId}, 900000000000000000 + g, o = 'bot',
           now() - g * interval '30 seconds', o,
           case o when 'exact' then 'single_code' when 'ambiguous' then 'several_codes'
                  when 'unknown' then 'no_use_changed' when 'bot' then 'bot_account' else 'vanity_url' end,
           case when o = 'exact' then 'code' || c end,
           case when o = 'exact' then 700000000000000000 + c end,
           case when o = 'ambiguous' then jsonb_build_array(
             jsonb_build_object('code', 'code' || c, 'inviterId', (700000000000000000 + c)::text),
             jsonb_build_object('code', 'code' || (c % ${INVITERS} + 1), 'inviterId', null)) end,
           false, case when o = 'exact' then 50 else 0 end, now(),
           case when g % 10 = 0 then now() - g * interval '30 seconds' + interval '1 day' end
    from (
      select g,
             case when g % 20 = 0 then 'ambiguous' when g % 50 = 1 then 'unknown'
                  when g % 100 = 2 then 'bot' when g % 100 = 3 then 'vanity' else 'exact' end as o,
             1 + floor(${INVITERS} * power(((g * 2654435761) % 1000003) / 1000003.0, 3))::int as c
      from generate_series(1, ${JOINS}) g
    ) s`);
  // inviter_stats as the gateway's recompute would leave it, and XP.
  await db.execute(sql`insert into inviter_stats (guild_id, inviter_id, invites, leaves, joins)
    select guild_id, inviter_id, count(distinct member_id) filter (where left_at is null),
           count(*) filter (where left_at is not null), count(*)
    from member_joins where guild_id = ${guildId} and inviter_id is not null group by guild_id, inviter_id`);
  // All time equals the season until a reset (as the gateway's recompute writes it).
  await db.execute(sql`insert into inviter_period_stats
      (guild_id, period, inviter_id, invites, regular, leaves, fake, bonus, pending, joins)
    select guild_id, 'all', inviter_id, invites, regular, leaves, fake, bonus, pending, joins
    from inviter_stats where guild_id = ${guildId}`);
  await db.execute(sql`insert into member_xp (guild_id, user_id, xp)
    select guild_id, inviter_id, invites * 50 from inviter_stats where guild_id = ${guildId}`);
  await db.execute(sql`analyze`);
  log(
    `seeded ${JOINS.toLocaleString('en')} joins, ${INVITERS} inviters in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

export async function run(log: (line: string) => void): Promise<BenchResult> {
  const admin = postgres(BASE_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  const name = `bench_dash_${randomBytes(4).toString('hex')}`;
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  const handle = await createDb(url.toString(), { max: 4 });
  let stack: DashboardStack | null = null;
  const result: BenchResult = { joins: JOINS, database: `postgres ${url.host}/${name}` };
  try {
    await migrate(handle);
    const db = handle.db;
    stack = await DashboardStack.create({ databaseUrl: url.toString() });
    const owner = stack.sim.createUser({ username: 'owner', globalName: 'Owner' });
    const guild = stack.sim.createGuild({ name: 'Benchmark', ownerId: owner.id });
    await upsertUsers(db, [
      { id: owner.id, username: 'owner', globalName: 'Owner', avatar: null, bot: false },
    ]);
    await seed(db, guild.id, log);

    // --- Queries -------------------------------------------------------------------------------
    const leaders = await getLeaderboard(db, guild.id, { limit: 25 });
    const topCode = (
      await queryRows<{ code: string }>(
        db,
        sql`select code from member_joins where guild_id = ${guild.id} and code is not null
            group by code order by count(*) desc limit 1`,
      )
    )[0]!.code;
    const deep = await listJoins(db, guild.id, {}, { limit: 50, before: null });
    let cursor = decodeCursor(deep.older);
    for (let i = 0; i < 200 && cursor; i++) {
      cursor = decodeCursor(
        (await listJoins(db, guild.id, {}, { limit: 500, before: cursor })).older,
      );
    }
    // The rolling windows' once-a-day move (here: the first build) for each period.
    for (const period of ['7d', '30d'] as const) {
      const t0 = performance.now();
      await ensurePeriodWindow(db, guild.id, period, new Date());
      result[`window move ${period} ms`] = r1(performance.now() - t0);
      log(`window move ${period}: ${String(result[`window move ${period} ms`])} ms`);
    }
    await db.execute(sql`analyze inviter_period_stats`);
    const queries: [string, () => Promise<unknown>][] = [
      ...(['7d', '30d', 'season', 'all'] as const).flatMap(
        (period): [string, () => Promise<unknown>][] => [
          [
            `leaderboard ${period} top 25`,
            () => getLeaderboard(db, guild.id, { limit: 25, period }),
          ],
          [
            `leaderboard ${period} page 40`,
            () => getLeaderboard(db, guild.id, { limit: 25, offset: 975, period }),
          ],
        ],
      ),
      ['leaderboard top 25', () => getLeaderboard(db, guild.id, { limit: 25 })],
      ['leaderboard page 40', () => getLeaderboard(db, guild.id, { limit: 25, offset: 975 })],
      ['leaderboard count', () => countLeaderboard(db, guild.id)],
      ['history page', () => listJoins(db, guild.id, {}, { limit: 50 })],
      ['history by top code', () => listJoins(db, guild.id, { code: topCode }, { limit: 50 })],
      ['history ambiguous', () => listJoins(db, guild.id, { outcome: 'ambiguous' }, { limit: 50 })],
      ['history left', () => listJoins(db, guild.id, { outcome: 'left' }, { limit: 50 })],
      [
        'history inviter',
        () => listJoins(db, guild.id, { inviterIds: [leaders[0]!.inviterId] }, { limit: 50 }),
      ],
      ['history page ~100k deep', () => listJoins(db, guild.id, {}, { limit: 50, before: cursor })],
      ['count (cap 10,000)', () => countJoins(db, guild.id, {} as HistoryFilter)],
      ['joins per day, top 5, 30 d', () => joinsPerDay(db, guild.id, { days: 30, top: 5 })],
    ];
    const queryRowsOut: Record<string, unknown>[] = [];
    for (const [label, fn] of queries) {
      const t = await timed(label.startsWith('joins per day') ? 30 : 100, fn);
      queryRowsOut.push({ query: label, p50_ms: t.p50, p95_ms: t.p95 });
      result[`query ${label} p50_ms`] = t.p50;
      result[`query ${label} p95_ms`] = t.p95;
    }
    // A per-inviter recompute (every decision runs one) for the busiest inviter: season, all time
    // and both windows.
    {
      const t = await timed(20, () =>
        db.transaction((tx) => recomputeInviterStats(tx, guild.id, leaders[0]!.inviterId)),
      );
      result['recompute busiest inviter p50_ms'] = t.p50;
      result['recompute busiest inviter p95_ms'] = t.p95;
      log(`recompute busiest inviter  p50 ${t.p50} ms  p95 ${t.p95} ms`);
    }
    const plan = (filter: string) =>
      planIndexes(
        db,
        sql.raw(`select id from member_joins j where j.guild_id = ${guild.id} ${filter}
                 order by j.joined_at desc nulls last, j.id desc nulls last limit 51`),
      );
    result['plan history page'] = await plan('');
    result['plan by code'] = await plan(`and j.code = '${topCode}'`);
    result['plan by outcome'] = await plan(`and j.outcome = 'ambiguous'`);
    result['plan left'] = await plan('and j.left_at is not null');
    result['plan leaderboard'] = await planIndexes(
      db,
      sql`select inviter_id from inviter_stats where guild_id = ${guild.id} and invites > 0
          order by invites desc, inviter_id limit 25`,
    );
    // Seasons: a reset at 1,000,000 joins (counters rebuilt), the past season's leaderboard
    // (counted from the records), and the restore.
    {
      let t0 = performance.now();
      await startSeason(db, {
        guildId: guild.id,
        actorId: owner.id,
        resetXp: true,
        now: new Date(),
      });
      result['season reset ms'] = r1(performance.now() - t0);
      const past = (await listSeasons(db, guild.id))[0]!;
      const t = await timed(5, () => getSeasonLeaderboard(db, guild.id, past, { limit: 25 }));
      result['past season top 25 p50_ms'] = t.p50;
      result['past season top 25 p95_ms'] = t.p95;
      const fresh = await timed(50, () => getLeaderboard(db, guild.id, { limit: 25 }));
      result['leaderboard new season top 25 p95_ms'] = fresh.p95;
      t0 = performance.now();
      await restoreSeason(db, { guildId: guild.id, actorId: owner.id, now: new Date() });
      result['season restore ms'] = r1(performance.now() - t0);
      log(
        `season reset ${String(result['season reset ms'])} ms, restore ${String(result['season restore ms'])} ms, past season top 25 p50 ${t.p50} ms p95 ${t.p95} ms, new season top 25 p95 ${fresh.p95} ms`,
      );
    }
    for (const row of queryRowsOut)
      log(`${String(row.query).padEnd(28)} p50 ${row.p50_ms} ms  p95 ${row.p95_ms} ms`);
    for (const key of Object.keys(result).filter((k) => k.startsWith('plan ')))
      log(`${key}: ${String(result[key])}`);

    // --- Pages ---------------------------------------------------------------------------------
    await stack.start({ LOG_LEVEL: 'warn' });
    const jar = await loginWithFetch(stack.base, owner.id);
    const headers = { cookie: cookieHeader(jar) };
    const pages: [string, string][] = [
      ['overview', `/servers/${guild.id}`],
      ['history', `/servers/${guild.id}/history`],
      ['history by code', `/servers/${guild.id}/history?code=${topCode}`],
      ['history left', `/servers/${guild.id}/history?outcome=left`],
    ];
    for (const [label, path] of pages) {
      const server: number[] = [];
      const client: number[] = [];
      for (let i = 0; i < 220; i++) {
        const t0 = performance.now();
        const response = await fetch(`${stack.base}${path}`, { headers });
        await response.arrayBuffer();
        const elapsed = performance.now() - t0;
        if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
        if (i < 20) continue; // warm-up
        client.push(elapsed);
        const dur = /app;dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '');
        if (dur) server.push(Number(dur[1]));
      }
      const row = {
        page: label,
        server_p50_ms: r1(pct(server, 50)),
        server_p95_ms: r1(pct(server, 95)),
        client_p50_ms: r1(pct(client, 50)),
        client_p95_ms: r1(pct(client, 95)),
      };
      log(
        `page ${label.padEnd(16)} server p50 ${row.server_p50_ms} ms  p95 ${row.server_p95_ms} ms  (client p95 ${row.client_p95_ms} ms)`,
      );
      result[`page ${label} server_p50_ms`] = row.server_p50_ms;
      result[`page ${label} server_p95_ms`] = row.server_p95_ms;
      result[`page ${label} client_p95_ms`] = row.client_p95_ms;
    }
    result['target page p95 < 100 ms'] = pages.every(
      ([label]) => (result[`page ${label} server_p95_ms`] as number) < 100,
    );
    result['target leaderboard < 10 ms'] = ['7d', '30d', 'season', 'all'].every(
      (period) =>
        (result[`query leaderboard ${period} top 25 p95_ms`] as number) < 10 &&
        (result[`query leaderboard ${period} page 40 p95_ms`] as number) < 10,
    );
    return result;
  } finally {
    await stack?.close();
    await handle.close();
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}
