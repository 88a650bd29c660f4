/**
 * Cold start: the real gateway (startGateway) meets N guilds at once on the simulator (25 invites
 * each, 80 ms REST latency, Discord's global limit of 50 requests/s) with an empty database, and
 * primes them all. Meanwhile members join random guilds (5 a second). Prints the time to prime every
 * guild, the 429s the simulator answered (none of them is caused by anyone but us), and how long a
 * join that arrived during priming waited for its decision to be stored (split by whether its guild
 * was primed already: in a guild not primed yet the first fetch counts the join's use too, so the
 * engine waits and then decides honestly). The simulator runs on its own thread
 * (tests/helpers/sim-thread.ts), as Discord's clock does not stop while the gateway works.
 *
 * BENCH_COLD_GUILDS (default 10,000) sets N.
 */
import { and, eq, ne } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { memberJoins } from '../../db/schema';
import { startGateway } from '../../gateway/app';
import { simulatorGateway } from '../helpers/simulator-gateway';
import type { Simulator } from '../sim';
import { startSimulatorThread } from '../helpers/sim-thread';
import { benchDatabase } from './lib/bench-db';
import { percentile, prng, round } from './lib/stats';
import type { BenchResult } from './run';

const GUILDS = Number(process.env.BENCH_COLD_GUILDS ?? 10_000);
const LATENCY_MS = Number(process.env.BENCH_REST_LATENCY_MS ?? 80);
const INVITES = 25;
const JOINS_PER_SECOND = 5;

/** `ready`: the guild was primed when the member joined (else its first fetch already counts the join). */
type Join = { guildId: string; at: number; decidedAt: number | null; ready: boolean };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function run(log: (line: string) => void): Promise<BenchResult> {
  const random = prng(12);
  const sim = await startSimulatorThread(
    {
      heartbeatIntervalMs: 41_250,
      restLatencyMs: LATENCY_MS,
      globalRateLimit: { perSecond: 50 },
      maxGuildsPerShard: 100_000,
    },
    { guilds: GUILDS, invites: INVITES },
  );
  const db = await benchDatabase();
  log(
    `${GUILDS} guilds × ${INVITES} invites, ${LATENCY_MS} ms REST latency, global limit 50/s, ${JOINS_PER_SECOND} joins/s while priming, on ${db.label} (simulator on its own thread)`,
  );
  const gateway = await startGateway(...simulatorGateway(sim as unknown as Simulator, db.handle));
  try {
    while ((await sim.stats()).connectedShards === 0) await sleep(50);
    const before = await sim.stats();
    const start = Date.now();
    // The bot "arrives" in every guild at once, as after a restart without a session to resume.
    await sim.addBotEverywhere();
    const joins = new Map<string, Join>();
    let primed = 0;
    let nextJoin = start;
    let nextCount = start;
    let nextPoll = start;
    while (primed < GUILDS) {
      const now = Date.now();
      if (now >= nextJoin) {
        nextJoin += 1000 / JOINS_PER_SECOND;
        const g = Math.floor(random() * GUILDS);
        const guildId = sim.guildIds[g]!;
        const ready = gateway.registry.get(guildId)?.state.isPrimed === true;
        const at = Date.now();
        const user = await sim.join(g, Math.floor(random() * INVITES));
        joins.set(user, { guildId, at, decidedAt: null, ready });
      }
      if (now >= nextPoll) {
        nextPoll += 100;
        await noteDecided(db.handle.db, joins);
      }
      if (now >= nextCount) {
        nextCount += 1000;
        primed = 0;
        for (const id of sim.guildIds) if (gateway.registry.get(id)?.state.isPrimed) primed++;
        if (Math.round((now - start) / 1000) % 20 === 0)
          log(`${round((now - start) / 1000, 0)} s: ${primed} of ${GUILDS} primed`);
      }
      await sleep(20);
    }
    const primeSeconds = (Date.now() - start) / 1000;
    const deadline = Date.now() + 30_000;
    while ([...joins.values()].some((j) => j.decidedAt === null) && Date.now() < deadline) {
      await noteDecided(db.handle.db, joins);
      await sleep(50);
    }
    const after = await sim.stats();
    const decided = [...joins.values()].filter((j) => j.decidedAt !== null);
    const waits = (ready: boolean) =>
      decided.filter((j) => j.ready === ready).map((j) => j.decidedAt! - j.at);
    const primedWaits = waits(true);
    const unprimedWaits = waits(false);
    const result = {
      guilds: GUILDS,
      prime_seconds: round(primeSeconds, 1),
      requests: after.requests - before.requests,
      rate_limited: after.rateLimited - before.rateLimited,
      rate_limited_by_route: after.rateLimitedByRoute,
      joins_during_priming: joins.size,
      joins_undecided: joins.size - decided.length,
      joins_in_primed_guilds: primedWaits.length,
      join_wait_p50_ms: percentile(primedWaits, 50),
      join_wait_p99_ms: percentile(primedWaits, 99),
      join_wait_max_ms: percentile(primedWaits, 100),
      unprimed_join_wait_p50_ms: percentile(unprimedWaits, 50),
      unprimed_join_wait_p99_ms: percentile(unprimedWaits, 99),
    };
    log(
      `primed ${GUILDS} guilds in ${result.prime_seconds} s (${result.requests} requests), 429s: ${result.rate_limited}; ` +
        `${primedWaits.length} joins in primed guilds during priming waited p50 ${result.join_wait_p50_ms} / p99 ${result.join_wait_p99_ms} / max ${result.join_wait_max_ms} ms for their decision; ` +
        `${unprimedWaits.length} in guilds not yet primed p50 ${result.unprimed_join_wait_p50_ms} / p99 ${result.unprimed_join_wait_p99_ms} ms`,
    );
    return result;
  } finally {
    await gateway.stop({ resumable: false });
    await sim.close();
    await db.dispose();
  }
}

/** Notes when each join's decision was first seen stored (polled: the wait is accurate to ~50 ms). */
async function noteDecided(db: Db, joins: Map<string, Join>): Promise<void> {
  const now = Date.now();
  const waiting = [...joins.entries()].filter(([, j]) => j.decidedAt === null);
  if (waiting.length === 0) return;
  const rows = await db
    .select({ memberId: memberJoins.memberId })
    .from(memberJoins)
    .where(and(ne(memberJoins.outcome, 'pending'), eq(memberJoins.memberBot, false)));
  const decided = new Set(rows.map((r) => r.memberId));
  for (const [user, join] of waiting) if (decided.has(user)) join.decidedAt = now;
}
