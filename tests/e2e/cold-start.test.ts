/**
 * A cold start primes every guild's invites at Discord's global limit for minutes. @discordjs/rest
 * counts that limit in fixed one-second windows of its own, starting with a request and waiting 50 ms
 * (its `offset`) past each; Discord's windows start when requests arrive. When latency differs by
 * more than that between requests (here: odd guild ids answer 80 ms later, as different network
 * paths do), a fast request of the next window lands in Discord's previous one: a 429 caused by
 * nobody but us (8 in this test before the request pacer, gateway/discord/request-pacer.ts).
 *
 * The simulator runs on its own thread (Discord's clock does not stop while the gateway works: in
 * one thread, a long stretch of gateway work would bunch requests sent well apart into one window),
 * and on Postgres only: embedded PGlite's long synchronous writes would stall the test's thread.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../gateway/app';
import { createTestDb, TEST_DATABASE_URL, type TestDb } from '../helpers/db';
import { simulatorGateway } from '../helpers/simulator-gateway';
import { startSimulatorThread, type SimThread } from '../helpers/sim-thread';
import type { Simulator } from '../sim';
import { eventually } from './stack';

const GUILDS = 400;
const describeWithPostgres = TEST_DATABASE_URL ? describe : describe.skip;
if (!TEST_DATABASE_URL)
  console.log('[cold-start] skipped: needs TEST_DATABASE_URL (PGlite would stall the test thread)');

describeWithPostgres('cold start', () => {
  let sim: SimThread | undefined;
  let db: TestDb | undefined;
  let gateway: RunningGateway | undefined;
  afterEach(async () => {
    await gateway?.stop({ resumable: false });
    await sim?.close();
    await db?.dispose();
    gateway = sim = db = undefined;
  });

  it(`primes ${GUILDS} guilds at the global limit without a single 429`, async () => {
    sim = await startSimulatorThread(
      { globalRateLimit: { perSecond: 50 }, restLatencyMs: 20, maxGuildsPerShard: 10_000 },
      { guilds: GUILDS, invites: 3, slowOddGuildsMs: 80 },
    );
    db = await createTestDb('postgres');
    const running = await startGateway(...simulatorGateway(sim as unknown as Simulator, db));
    gateway = running;
    const thread = sim;
    await eventually(async () => (await thread.stats()).connectedShards > 0);
    const started = Date.now();
    await sim.addBotEverywhere();
    await eventually(() => {
      let primed = 0;
      for (const id of thread.guildIds) if (running.registry.get(id)?.state.isPrimed) primed++;
      return primed === GUILDS;
    }, 60_000);
    const seconds = (Date.now() - started) / 1000;
    // At most 50 requests a second: the fetches cannot all have been sent in under 7 s.
    expect(seconds).toBeGreaterThan((GUILDS - 50) / 50 - 1);
    const stats = await sim.stats();
    expect(stats.requests).toBeGreaterThanOrEqual(GUILDS);
    expect(stats.rateLimitedByRoute).toEqual({});
    expect(stats.rateLimited).toBe(0);
  }, 90_000);
});
