/**
 * `npm run bench -- scale`: what one gateway process costs per guild, measured on the composed
 * gateway (gateway/main.ts's composition, in a child process: tests/bench/lib/scale-gateway.ts)
 * against the simulator at Discord's limits (global 50 requests/s, BENCH_REST_LATENCY_MS = 80 ms),
 * on Postgres. Guilds of 20 channels, 15 roles and 25 invites (tests/bench/lib/scale-world.ts) are
 * added in steps of SCALE_STEP (1,000) up to SCALE_GUILDS (5,000), one shard per 1,000 guilds as
 * Discord recommends. Reported:
 *
 * - heap and RSS after forced GC at each step, and their slope per guild (least squares over the
 *   steps): the child holds only the gateway, so the simulator's world is not counted;
 * - priming time per step (the guilds' GUILD_CREATEs until each has its invite snapshot) and, at
 *   the end, a cold start of all guilds after a lost session; 429s the simulator served meanwhile;
 * - Postgres rows written per join over a burst of SCALE_BURST_GUILDS (1,000) guilds, one join each, all at once
 *   with an invite log (pg_stat_user_tables: whatever the gateway wrote meanwhile, its periodic
 *   session and name writes included);
 * - the database's size at each step (bytes per guild) and its growth over the burst (per join);
 * - outbox throughput: 1,000 log lines in 1,000 channels enqueued at once, sent at the simulator's
 *   limits.
 */
import { inArray } from 'drizzle-orm';
import { updateGuildSettings } from '../../db/queries/settings';
import { newNonce } from '../../db/queries/outbox';
import { memberJoins, outbox } from '../../db/schema';
import { startSimulator, type Simulator } from '../sim';
import { benchDatabase } from './lib/bench-db';
import { startGatewayChild, type GatewayChild } from './lib/gateway-child';
import { databaseBytes, settledWrites, writesBetween } from './lib/pg-writes';
import { addScaleGuilds, WORLD, type ScaleGuild } from './lib/scale-world';
import { percentile, round, slope, table } from './lib/stats';
import type { BenchResult } from './run';

const GUILDS = Number(process.env.SCALE_GUILDS ?? 5000);
const STEP = Math.min(GUILDS, Number(process.env.SCALE_STEP ?? 1000));
const BURST_GUILDS = Math.min(GUILDS, Number(process.env.SCALE_BURST_GUILDS ?? 1000));
const JOINS_PER_GUILD = 1;
const OUTBOX_MESSAGES = Math.min(GUILDS, 1000);
const LATENCY_MS = Number(process.env.BENCH_REST_LATENCY_MS ?? 80);
const SHARDS = Math.max(1, Math.ceil(GUILDS / 1000));

type Step = {
  guilds: number;
  prime_s: number;
  rate_limited: number;
  heap_mb: number;
  rss_mb: number;
  db_mb: number;
};

const mb = (bytes: number) => round(bytes / 2 ** 20, 1)!;
const seconds = (ms: number) => round(ms / 1000, 1)!;

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`scale bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits until the gateway has primed `total` guilds; returns how long that took from `since`. */
async function primedAfter(gateway: GatewayChild, total: number, since: number): Promise<number> {
  // 50 requests/s: a guild's fetch is 20 ms at best; allow five times that.
  await until(
    async () => (await gateway.status()).primed >= total,
    60_000 + total * 100,
    `${total} primed guilds`,
  );
  return Date.now() - since;
}

export async function run(log: (line: string) => void): Promise<BenchResult> {
  const sim = await startSimulator({
    restLatencyMs: LATENCY_MS,
    globalRateLimit: { perSecond: 50 },
    recommendedShards: SHARDS,
  });
  const db = await benchDatabase();
  if (db.handle.kind !== 'postgres') {
    await sim.close();
    await db.dispose();
    throw new Error('the scale bench needs Postgres (BENCH_DATABASE_URL or TEST_DATABASE_URL)');
  }
  const env = {
    DISCORD_TOKEN: sim.token,
    DISCORD_APPLICATION_ID: sim.applicationId,
    DISCORD_API_BASE: sim.api,
    DATABASE_URL: db.handle.url,
    SHARD_COUNT: String(SHARDS),
    HEALTH_PORT: '0',
    HEALTH_HOST: '127.0.0.1',
    LOG_LEVEL: process.env.SCALE_LOG_LEVEL ?? 'error',
  };
  log(
    `${db.label}; ${SHARDS} shards; guilds of ${WORLD.channels} channels, ${WORLD.roles} roles, ${WORLD.invites} invites; REST latency ${LATENCY_MS} ms, global limit 50/s`,
  );
  const guilds: ScaleGuild[] = [];
  const steps: Step[] = [];
  let gateway: GatewayChild | null = null;
  try {
    // Steps: the first guilds are there when the gateway starts (its shards identify 5 s apart,
    // as in production); the later ones arrive as the bot is added to them.
    for (let count = STEP; count <= GUILDS; count += STEP) {
      const limited = sim.rateLimited;
      guilds.push(...addScaleGuilds(sim, guilds.length, count - guilds.length));
      const since = Date.now();
      gateway ??= await startGatewayChild(env);
      const primeMs = await primedAfter(gateway, count, since);
      await gateway.settled();
      const memory = await gateway.memory();
      steps.push({
        guilds: count,
        prime_s: seconds(primeMs),
        rate_limited: sim.rateLimited - limited,
        heap_mb: mb(memory.heapUsed),
        rss_mb: mb(memory.rss),
        db_mb: mb(await databaseBytes(db.handle.db)),
      });
      const s = steps.at(-1)!;
      log(`${count} guilds: primed in ${s.prime_s} s, heap ${s.heap_mb} MB, rss ${s.rss_mb} MB`);
    }
    log(`\n${table(steps)}`);
    const heapSlope = slope(steps.map((s) => [s.guilds, s.heap_mb * 2 ** 20]));
    const rssSlope = slope(steps.map((s) => [s.guilds, s.rss_mb * 2 ** 20]));
    const dbSlope = slope(steps.map((s) => [s.guilds, s.db_mb * 2 ** 20]));
    log(
      `per guild (slope ${steps[0]!.guilds}–${GUILDS}): heap ${round(heapSlope, 0)} B, rss ${round(rssSlope, 0)} B, database ${round(dbSlope, 0)} B`,
    );
    const laterSteps = steps.slice(1);
    const primePer1000 =
      laterSteps.length > 0
        ? (laterSteps.reduce((sum, s) => sum + s.prime_s, 0) / (laterSteps.length * STEP)) * 1000
        : (steps[0]!.prime_s / STEP) * 1000;

    const burst = await joinBurst(sim, db.handle.db, gateway!, guilds, log);
    const sender = await outboxThroughput(sim, db.handle.db, guilds, log);

    // A lost session: the next process identifies afresh and primes every guild again.
    await gateway!.stop();
    gateway = null;
    const limited = sim.rateLimited;
    const coldLimits = limits(sim);
    const since = Date.now();
    const from = sim.requests.length;
    gateway = await startGatewayChild(env);
    // Primed again: every guild's invites read and its members listed (to find joins missed
    // while offline), both answered 200 by the simulator.
    const answered = (routeKey: string) =>
      new Set(
        sim.requests
          .slice(from)
          .filter((r) => r.routeKey === routeKey && r.status === 200)
          .map((r) => r.path.split('/')[2]),
      ).size;
    await until(
      () =>
        answered('GET /guilds/:id/invites') >= GUILDS &&
        answered('GET /guilds/:id/members') >= GUILDS,
      120_000 + GUILDS * 200,
      'every guild primed and scanned after the lost session',
    );
    const coldMs = Date.now() - since;
    const coldLimited = sim.rateLimited - limited;
    log(
      `cold start after a lost session: ${GUILDS} guilds primed in ${seconds(coldMs)} s (${round(((coldMs / GUILDS) * 1000) / 1000, 1)} s per 1,000), ${limitedSince(sim, coldLimits)}`,
    );
    return {
      guilds: GUILDS,
      shards: SHARDS,
      steps: steps.map((s) => s.guilds),
      heap_mb: steps.map((s) => s.heap_mb),
      rss_mb: steps.map((s) => s.rss_mb),
      prime_s: steps.map((s) => s.prime_s),
      heap_bytes_per_guild: round(heapSlope, 0),
      rss_bytes_per_guild: round(rssSlope, 0),
      db_bytes_per_guild: round(dbSlope, 0),
      prime_s_per_1000_guilds: round(primePer1000, 1),
      cold_start_s: seconds(coldMs),
      cold_start_s_per_1000_guilds: round(coldMs / GUILDS, 1),
      cold_start_429s: coldLimited,
      ...burst,
      ...sender,
    };
  } finally {
    await gateway?.stop().catch(() => gateway?.child.kill('SIGKILL'));
    await sim.close();
    await db.dispose();
  }
}

/** BURST_GUILDS guilds with an invite log, JOINS_PER_GUILD joins each, all at once. */
async function joinBurst(
  sim: Simulator,
  db: Parameters<typeof updateGuildSettings>[0],
  gateway: GatewayChild,
  guilds: ScaleGuild[],
  log: (line: string) => void,
) {
  const chosen = guilds.filter((_, i) => i % Math.floor(guilds.length / BURST_GUILDS) === 0);
  const burstGuilds = chosen.slice(0, BURST_GUILDS);
  for (const guild of burstGuilds) {
    await updateGuildSettings(db, guild.id, { logChannelId: guild.channelIds[1]! }, null);
  }
  await gateway.settled();
  const before = await settledWrites(db);
  const bytesBefore = await databaseBytes(db);
  const limited = sim.rateLimited;
  const burstLimits = limits(sim);
  const members: string[] = [];
  const started = Date.now();
  await Promise.all(
    burstGuilds.flatMap((guild, g) =>
      Array.from({ length: JOINS_PER_GUILD }, (_, j) => {
        const user = sim.createUser();
        members.push(user.id);
        return sim.join(guild.id, user.id, {
          code: guild.codes[(g + j * 7) % guild.codes.length]!,
        });
      }),
    ),
  );
  const joins = members.length;
  const decided = async () =>
    (
      await db
        .select({ outcome: memberJoins.outcome })
        .from(memberJoins)
        .where(inArray(memberJoins.memberId, members))
    ).filter((r) => r.outcome !== 'pending');
  await until(async () => (await decided()).length >= joins, 120_000, 'the burst decided');
  const decidedMs = Date.now() - started;
  const outcomes: Record<string, number> = {};
  for (const row of await decided()) outcomes[row.outcome] = (outcomes[row.outcome] ?? 0) + 1;
  await gateway.settled();
  const logChannels = burstGuilds.map((g) => g.channelIds[1]!);
  const lines = () => logChannels.reduce((n, c) => n + sim.messages(c).length, 0);
  await until(() => lines() >= burstGuilds.length, 120_000, 'the burst log lines');
  const after = await settledWrites(db);
  const delta = writesBetween(before, after);
  const rows = Object.entries(delta.byTable)
    .sort((a, b) => b[1] - a[1])
    .map(([tbl, n]) => ({ table: tbl, rows: n, per_join: round(n / joins, 2) }));
  log(
    `join burst: ${joins} joins in ${burstGuilds.length} guilds at once, decided in ${seconds(decidedMs)} s (${JSON.stringify(outcomes)}), ${limitedSince(sim, burstLimits)}; rows written:\n${table(rows)}`,
  );
  const bytesPerJoin = ((await databaseBytes(db)) - bytesBefore) / joins;
  log(
    `rows written per join: ${round(delta.total / joins, 2)}; database growth ${round(bytesPerJoin, 0)} B per join`,
  );
  return {
    burst_joins: joins,
    burst_decided_s: seconds(decidedMs),
    burst_outcomes: outcomes,
    burst_429s: sim.rateLimited - limited,
    pg_rows_written_per_join: round(delta.total / joins, 2),
    pg_rows_written_by_table: delta.byTable,
    db_bytes_per_join: round(bytesPerJoin, 0),
  };
}

/** OUTBOX_MESSAGES log lines, one per channel in as many guilds, enqueued in one insert. */
async function outboxThroughput(
  sim: Simulator,
  db: Parameters<typeof updateGuildSettings>[0],
  guilds: ScaleGuild[],
  log: (line: string) => void,
) {
  const targets = guilds
    .slice(0, OUTBOX_MESSAGES)
    .map((g) => ({ guildId: g.id, channelId: g.channelIds[2]! }));
  const limited = sim.rateLimited;
  const sent = () => targets.reduce((n, t) => n + sim.messages(t.channelId).length, 0);
  await db.insert(outbox).values(
    targets.map((t, i) => ({
      guildId: t.guildId,
      joinId: null,
      kind: 'log' as const,
      targetId: t.channelId,
      body: { content: `scale bench line ${i}`, allowed_mentions: { parse: [] } },
      nonce: newNonce(),
    })),
  );
  const enqueued = Date.now();
  let first = 0;
  await until(
    () => {
      const n = sent();
      if (n > 0 && first === 0) first = Date.now();
      return n >= targets.length;
    },
    60_000 + targets.length * 200,
    'the outbox messages',
  );
  const done = Date.now();
  const createdAt = targets.map((t) => Number(BigInt(sim.messages(t.channelId)[0]!.id) >> 22n));
  const spanMs = Math.max(1, (percentile(createdAt, 100) ?? 0) - (percentile(createdAt, 0) ?? 0));
  const perSecond = round((targets.length - 1) / (spanMs / 1000), 1);
  log(
    `outbox: ${targets.length} messages in ${targets.length} channels: first after ${seconds(first - enqueued)} s (the sender's poll), all after ${seconds(done - enqueued)} s; ${perSecond} messages/s while sending; ${sim.rateLimited - limited} 429s`,
  );
  return {
    outbox_messages: targets.length,
    outbox_messages_per_s: perSecond,
    outbox_all_sent_s: seconds(done - enqueued),
    outbox_429s: sim.rateLimited - limited,
  };
}

type Limits = { total: number; global: number; byRoute: Record<string, number> };

/** The simulator's 429 counters now, to tell later which routes and scopes they came from. */
function limits(sim: Simulator): Limits {
  return {
    total: sim.rateLimited,
    global: sim.globalRateLimited,
    byRoute: { ...sim.rateLimitedByRoute },
  };
}

/** The 429s served since `before`: "N 429s (global G; route n, …)". */
function limitedSince(sim: Simulator, before: Limits): string {
  const now = limits(sim);
  const total = now.total - before.total;
  if (total === 0) return '0 429s';
  const routes = Object.entries(now.byRoute)
    .map(([route, n]) => [route, n - (before.byRoute[route] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .map(([route, n]) => `${route} ${n}`);
  return `${total} 429s (global ${now.global - before.global}; ${routes.join(', ')})`;
}
