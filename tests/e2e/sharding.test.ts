/**
 * Scale-out: gateways with different shard ranges on one simulator (and one database) each handle
 * exactly their guilds — attribution, writes and outbox — and nothing of the others'.
 */
import { execFileSync, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../gateway/app';
import { updateGuildSettings } from '../../db/queries/settings';
import { createTestDb, TEST_DATABASE_URL, type TestDb, storeGuild } from '../helpers/db';
import { freePort } from '../helpers/ports';
import { shardForGuild, startSimulator, type Simulator } from '../sim';
import { decidedJoin, eventually, gatewayOptions, type Stack } from './stack';

const root = resolve(import.meta.dirname, '..', '..');

/** Two guilds on each of two shards (a guild's shard is its id's timestamp part, modulo 2). */
function guildsOnBothShards(sim: Simulator) {
  const byShard: Record<number, ReturnType<Simulator['createGuild']>[]> = { 0: [], 1: [] };
  const now = BigInt(Date.now() - 1_420_070_400_000);
  const base = now - (now % 2n);
  for (const [i, shard] of [0, 0, 1, 1].entries()) {
    const id = String(((base + BigInt(shard)) << 22n) + BigInt(i));
    const guild = sim.createGuild({ id, name: `G${i}` });
    expect(shardForGuild(guild.id, 2)).toBe(shard);
    byShard[shard]!.push(guild);
  }
  return byShard;
}

describe('gateways with shard ranges', () => {
  let sim: Simulator | undefined;
  let db: TestDb | undefined;
  const gateways: RunningGateway[] = [];
  afterEach(async () => {
    for (const g of gateways.splice(0)) await g.stop({ resumable: false });
    await sim?.close();
    await db?.dispose();
  });

  it('each handles only the guilds of its shards (in process, one database)', async () => {
    sim = await startSimulator({ heartbeatIntervalMs: 1000, recommendedShards: 2 });
    db = await createTestDb('pglite');
    const byShard = guildsOnBothShards(sim);
    for (const shard of [0, 1]) {
      gateways.push(
        await startGateway(...gatewayOptions(sim, db, { shardCount: 2, shardIds: [shard] })),
      );
    }
    const [a, b] = gateways as [RunningGateway, RunningGateway];
    await eventually(() => a.registry.size === 2 && b.registry.size === 2);
    for (const guild of byShard[0]!) expect(a.registry.get(guild.id)).toBeDefined();
    for (const guild of byShard[1]!) expect(b.registry.get(guild.id)).toBeDefined();
    for (const guild of byShard[1]!) expect(a.registry.get(guild.id)).toBeUndefined();

    // A join in a shard-1 guild is attributed and posted by the shard-1 gateway only.
    const guild = byShard[1]![0]!;
    const log = sim.createChannel(guild.id, { name: 'log' });
    const alice = sim.createUser();
    sim.addMember(guild.id, alice.id);
    const invite = sim.createInvite(guild.id, { inviterId: alice.id });
    // Primed, not only told of the invite (INVITE_CREATE shows it before the first baseline, and a
    // join before that baseline cannot be paired: a loaded machine made that race visible).
    await eventually(() => {
      const state = b.registry.get(guild.id)?.state;
      return state?.isPrimed === true && state.invites(Date.now()).length === 1;
    });
    await updateGuildSettings(db.db, guild.id, { logChannelId: log.id }, null);
    const bob = sim.createUser();
    await sim.join(guild.id, bob.id, { code: invite.code });
    const stack = { db, sim, gateway: b } as unknown as Stack;
    expect(await decidedJoin(stack, guild.id, bob.id)).toMatchObject({ outcome: 'exact' });
    await eventually(() => sim!.messages(log.id).length === 1);
    const sentBy = async (g: RunningGateway) =>
      (await g.metrics.outboxSent.get()).values.reduce((n, v) => n + v.value, 0);
    // The message reaches Discord a moment before the sender counts it as sent.
    await eventually(async () => (await sentBy(b)) === 1);
    expect(await sentBy(a)).toBe(0);
    expect(sim.shards.connected.sort()).toEqual([0, 1]);
  });

  it('as two processes (SHARD_COUNT=2, SHARD_IDS=0 and 1) on Postgres', async (context) => {
    if (!TEST_DATABASE_URL) {
      console.log('[sharding] two processes need Postgres (TEST_DATABASE_URL); skipped');
      context.skip();
    }
    execFileSync('npm', ['run', 'build:gateway'], { cwd: root, stdio: 'pipe' });
    sim = await startSimulator({ heartbeatIntervalMs: 1000, recommendedShards: 2 });
    db = await createTestDb('postgres');
    if (db.kind !== 'postgres') throw new Error('unreachable');
    const byShard = guildsOnBothShards(sim);
    for (const guild of [...byShard[0]!, ...byShard[1]!]) {
      await storeGuild(db.db, guild.id, guild.name);
    }
    const ports = [await freePort(), await freePort()];
    const children = [0, 1].map((shard) =>
      spawn(process.execPath, ['build/gateway.js'], {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          DISCORD_TOKEN: sim!.token,
          DISCORD_API_BASE: sim!.api,
          DATABASE_URL: db!.kind === 'postgres' ? db!.url : '',
          SHARD_COUNT: '2',
          SHARD_IDS: String(shard),
          HEALTH_PORT: String(ports[shard]),
          LOG_LEVEL: 'warn',
        },
        stdio: 'ignore',
      }),
    );
    try {
      const health = async (shard: number) => {
        const r = await fetch(`http://127.0.0.1:${ports[shard]}/healthz`).catch(() => null);
        return r?.status === 200
          ? ((await r.json()) as { guilds: number; shards: { id: number; ready: boolean }[] })
          : undefined;
      };
      const [h0, h1] = await Promise.all([0, 1].map((s) => eventually(() => health(s), 30_000)));
      expect(h0!.shards).toEqual([{ id: 0, ready: true }]);
      expect(h1!.shards).toEqual([{ id: 1, ready: true }]);
      await eventually(
        async () => (await health(0))?.guilds === 2 && (await health(1))?.guilds === 2,
        15_000,
      );
      const guildCreates = (shard: number) =>
        new Set(
          sim!.dispatchLog
            .filter((d) => d.t === 'GUILD_CREATE' && d.shard === shard)
            .map((d) => d.guildId),
        );
      expect(guildCreates(0)).toEqual(new Set(byShard[0]!.map((g) => g.id)));
      expect(guildCreates(1)).toEqual(new Set(byShard[1]!.map((g) => g.id)));
    } finally {
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(
        children.map(
          (c) => new Promise((done) => (c.exitCode !== null ? done(null) : c.once('exit', done))),
        ),
      );
    }
  }, 90_000);
});
