/**
 * Scale-out as an operator runs it (#16): three gateway processes (SHARD_COUNT=6, two shards each)
 * on one Postgres behind one REST proxy process (@discordjs/proxy, gateway/proxy.ts), against the
 * simulator with Discord's global limit of 50 requests/s. Priming every guild plus a join burst in
 * many guilds at once stay inside the global limit; every join is decided once and logged once, by
 * the process that owns its guild; a process killed mid-burst (SIGKILL) RESUMEs and loses nothing.
 * Without the proxy the same processes exceed the global limit: that is what the proxy is for.
 *
 * Each process reaches the proxy through its own tap (tests/helpers/http-tap.ts), which records
 * the requests it sent. SCALE_OUT_GUILDS sets the world's size: default 1,000, not the 3,000:
 * the proxy paces 33 requests/s, so 3,000 guilds take 90 s to prime alone and the file must stay
 * under two minutes in CI (`SCALE_OUT_GUILDS=3000` runs the full size).
 */
import { inArray } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { updateGuildSettings } from '../../db/queries/settings';
import { memberJoins, outbox } from '../../db/schema';
import { createTestDb, storeGuild, TEST_DATABASE_URL, type TestDb } from '../helpers/db';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process';
import { startHttpTap, type HttpTap } from '../helpers/http-tap';
import { freePort } from '../helpers/ports';
import { shardForGuild, startSimulator, type Simulator } from '../sim';
import { logLines } from './stack';

const GUILDS = Number(process.env.SCALE_OUT_GUILDS ?? 1000);
const SHARD_COUNT = 6;
const RANGES = [
  [0, 1],
  [2, 3],
  [4, 5],
] as const;
/** Guilds with an invite log and one join each, in three waves. */
const BURST_GUILDS = 150;

type WorldGuild = { id: string; shard: number; code: string; logChannelId: string | null };

/** Guilds spread evenly over the shards (a guild's shard is its id's timestamp part modulo 6). */
function buildWorld(sim: Simulator): WorldGuild[] {
  const base = BigInt(Date.now() - 86_400_000 - 1_420_070_400_000);
  const guilds: WorldGuild[] = [];
  // Every step-th guild, moved on by one each time so the burst covers every shard evenly (a
  // plain step of 6 would land on one shard only).
  const step = Math.floor(GUILDS / BURST_GUILDS);
  const burstAt = new Set(
    Array.from({ length: BURST_GUILDS }, (_, k) => k * step + (k % Math.min(step, SHARD_COUNT))),
  );
  for (let i = 0; i < GUILDS; i++) {
    const id = String(((base + BigInt(i)) << 22n) + 7n);
    sim.createGuild({ id, name: `Scale ${i}` });
    const code = sim.createInvite(id).code;
    sim.createInvite(id, { maxUses: 10 });
    const burst = burstAt.has(i);
    const logChannelId = burst ? sim.createChannel(id, { name: 'invite-log' }).id : null;
    guilds.push({ id, shard: shardForGuild(id, SHARD_COUNT), code, logChannelId });
  }
  return guilds;
}

async function until<T>(
  check: () => T | false | undefined | Promise<T | false | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false && value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Guilds whose invites the simulator has answered (200) since request number `from`. */
function primedGuilds(sim: Simulator, from: number): number {
  const ids = new Set<string>();
  const requests = sim.requests;
  for (let i = from; i < requests.length; i++) {
    const r = requests[i]!;
    if (r.routeKey === 'GET /guilds/:id/invites' && r.status === 200)
      ids.add(r.path.split('/')[2]!);
  }
  return ids.size;
}

describe.skipIf(!TEST_DATABASE_URL)(
  'scale-out: three gateway processes behind one REST proxy',
  () => {
    let sim: Simulator | undefined;
    let db: TestDb | undefined;
    const processes: GatewayProcess[] = [];
    const taps: HttpTap[] = [];
    afterEach(async () => {
      for (const p of processes.splice(0)) {
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
        await p.exited;
      }
      for (const tap of taps.splice(0)) await tap.close();
      await sim?.close();
      await db?.dispose();
    });

    async function setup() {
      sim = await startSimulator({
        heartbeatIntervalMs: 5000,
        restLatencyMs: 20,
        globalRateLimit: { perSecond: 50 },
        recommendedShards: SHARD_COUNT,
      });
      const guilds = buildWorld(sim);
      db = await createTestDb('postgres');
      if (db.kind !== 'postgres') throw new Error('unreachable');
      for (const guild of guilds.filter((g) => g.logChannelId)) {
        await storeGuild(db.db, guild.id);
        await updateGuildSettings(db.db, guild.id, { logChannelId: guild.logChannelId }, null);
      }
      return { sim, guilds, url: db.url };
    }

    function startGateway(sim: Simulator, url: string, range: number, apiBase: string) {
      return spawnGateway({
        DISCORD_TOKEN: sim.token,
        DISCORD_API_BASE: apiBase,
        DATABASE_URL: url,
        SHARD_COUNT: String(SHARD_COUNT),
        SHARD_IDS: RANGES[range]!.join(','),
        HEALTH_HOST: '127.0.0.1',
        HEALTH_PORT: '0',
        ATTRIBUTION_SETTLE_MS: '100',
        OUTBOX_LEASE_SECONDS: '2',
      });
    }

    it('prime and a join burst with a SIGKILL stay inside the global limit and lose nothing', async () => {
      const started = Date.now();
      const { sim, guilds, url } = await setup();
      const proxy = spawnGateway(
        { PROXY_PORT: String(await freePort()), PROXY_HOST: '127.0.0.1', PROXY_UPSTREAM: sim.api },
        'gateway/proxy.ts',
      );
      processes.push(proxy);
      const proxyPort = Number(
        /"port":(\d+)/.exec(await proxy.waitForLog(/REST proxy running/))![1],
      );
      for (let i = 0; i < RANGES.length; i++) taps.push(await startHttpTap(proxyPort));
      const apiBase = (i: number) => `http://127.0.0.1:${taps[i]!.port}/api`;
      const gateways = RANGES.map((_, i) => startGateway(sim, url, i, apiBase(i)));
      processes.push(...gateways);

      await until(() => primedGuilds(sim, 0) >= GUILDS, 110_000, `${GUILDS} guilds primed`);
      const primedAfter = Date.now() - started;
      console.log(
        `[scale-out] primed after ${primedAfter} ms, ${sim.globalRateLimited} global 429s`,
      );

      // The burst: three waves of joins in different guilds; process 1 (shards 2-3) is killed after
      // the first and comes back during the second.
      const burst = guilds.filter((g) => g.logChannelId);
      expect(new Set(burst.map((g) => g.shard)).size).toBe(SHARD_COUNT);
      const members = new Map<string, string>(); // member → guild
      const join = (wave: WorldGuild[]) =>
        Promise.all(
          wave.map((g) => {
            const user = sim.createUser();
            members.set(user.id, g.id);
            return sim.join(g.id, user.id, { code: g.code });
          }),
        );
      const third = Math.ceil(burst.length / 3);
      const decided = async () =>
        (
          await db!.db
            .select({ memberId: memberJoins.memberId, outcome: memberJoins.outcome })
            .from(memberJoins)
            .where(inArray(memberJoins.memberId, [...members.keys()]))
        ).filter((r) => r.outcome !== 'pending').length;
      await join(burst.slice(0, third));
      await until(
        async () => (await decided()) >= third / 2 || undefined,
        30_000,
        'half the first wave',
      );
      gateways[1]!.child.kill('SIGKILL');
      await gateways[1]!.exited;
      await join(burst.slice(third, 2 * third));
      const restarted = startGateway(sim, url, 1, apiBase(1));
      processes.push(restarted);
      await join(burst.slice(2 * third));
      await until(
        async () => (await decided()) >= burst.length || undefined,
        60_000,
        'every join decided',
      );
      await until(
        () => burst.every((g) => logLines(sim, g.logChannelId!).total >= 1) || undefined,
        90_000,
        'every log line',
      ).catch(async (error: unknown) => {
        const missing = burst.filter((g) => logLines(sim, g.logChannelId!).total === 0);
        const rows = await db!.db
          .select()
          .from(outbox)
          .where(
            inArray(
              outbox.guildId,
              missing.map((g) => g.id),
            ),
          );
        console.log(
          `[scale-out] ${missing.length} lines missing, shards ${[...new Set(missing.map((g) => g.shard))].join(',')}:`,
          rows.slice(0, 8).map((r) => [r.status, r.attempts, r.lastError, r.nextAttemptAt]),
        );
        throw error;
      });

      if (sim.globalRateLimited > 0) {
        // Where they fell: the bot requests the simulator handled in the second before each.
        const bot = sim.requests.filter(
          (r) => r.auth === 'bot' && !/^\/(interactions|webhooks)\//.test(r.path),
        );
        for (const r of bot.filter((b) => b.status === 429).slice(0, 10)) {
          const before = bot.filter((b) => b.at > r.at - 1000 && b.at <= r.at && b.status !== 429);
          console.log(
            `[scale-out] 429 at +${r.at - started} ms ${r.routeKey}: ${before.length} handled in the second before`,
          );
        }
      }
      // The restarted process resumed its two shards' sessions (no new identify).
      expect(restarted.output()).toMatch(/shard resumed/);
      expect(restarted.output()).not.toMatch(/shard ready/);
      // Never above Discord's global limit, neither priming nor in the burst.
      expect(sim.globalRateLimited).toBe(0);

      const rows = await db!.db
        .select()
        .from(memberJoins)
        .where(inArray(memberJoins.memberId, [...members.keys()]));
      expect(rows).toHaveLength(members.size);
      const truth = new Map(sim.joins.map((j) => [j.userId, j]));
      for (const row of rows) {
        expect(row.guildId).toBe(members.get(row.memberId));
        expect(row.outcome).not.toBe('pending');
        if (row.code !== null) expect(row.code).toBe(truth.get(row.memberId)!.code);
      }
      expect(rows.filter((r) => r.outcome === 'exact').length).toBeGreaterThan(burst.length / 2);
      // Each join's line posted once.
      for (const guild of burst) {
        const lines = logLines(sim, guild.logChannelId!);
        expect(lines.total).toBe(1);
        expect([...lines.named.values()]).toEqual([1]);
      }
      // Each process posted only to its own guilds' channels.
      const channelShard = new Map(burst.map((g) => [g.logChannelId!, g.shard]));
      const postedBy = taps.map((tap) =>
        tap
          .requests()
          .map((r) => /^POST \/api\/v10\/channels\/(\d+)\/messages/.exec(r)?.[1])
          .filter((id): id is string => id !== undefined),
      );
      for (const [i, channels] of postedBy.entries()) {
        expect(channels.length).toBeGreaterThan(0);
        for (const channel of channels) expect(RANGES[i]).toContain(channelShard.get(channel));
      }
      expect(new Set(postedBy.flat())).toEqual(new Set(channelShard.keys()));
      console.log(
        `[scale-out] ${GUILDS} guilds primed after ${Math.round(primedAfter / 1000)} s, ${burst.length} joins, total ${Math.round((Date.now() - started) / 1000)} s`,
      );
    }, 170_000);

    it('without the proxy the same three processes exceed the global limit', async () => {
      const { sim, url } = await setup();
      processes.push(...RANGES.map((_, i) => startGateway(sim, url, i, sim.api)));
      await until(
        () => sim.globalRateLimited > 0 || primedGuilds(sim, 0) >= GUILDS,
        60_000,
        '429s',
      );
      expect(sim.globalRateLimited).toBeGreaterThan(0);
    }, 90_000);
  },
);
