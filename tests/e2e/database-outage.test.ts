/**
 * Postgres goes away for a few seconds in the middle of a burst of joins. Once it is back, every
 * join is recorded and decided once, XP is awarded once and every log line is posted once.
 */
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client';
import { openDatabase } from '../../db/migrate';
import { startGateway, type RunningGateway } from '../../gateway/app';
import { updateGuildSettings } from '../../db/queries/settings';
import { inviteRewards, memberJoins } from '../../db/schema';
import { createTestDb, TEST_DATABASE_URL, type TestDb, storeGuild } from '../helpers/db';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { startSimulator, type Simulator } from '../sim';
import { eventually, gatewayOptions, logLines } from './stack';

const describeWithPostgres = TEST_DATABASE_URL ? describe : describe.skip;
if (!TEST_DATABASE_URL)
  console.log(
    '[database-outage] skipped: needs TEST_DATABASE_URL (a real Postgres to take offline)',
  );

describeWithPostgres('a Postgres outage mid-burst', () => {
  let sim: Simulator | undefined;
  let db: TestDb | undefined;
  let proxy: TcpProxy | undefined;
  let gateway: RunningGateway | undefined;
  let viaProxyDb: DbHandle | undefined;
  afterEach(async () => {
    await gateway?.stop({ resumable: false });
    await viaProxyDb?.close();
    await proxy?.close();
    await sim?.close();
    await db?.dispose();
  });

  it('loses nothing once the database is back', async () => {
    sim = await startSimulator({ heartbeatIntervalMs: 1000 });
    db = await createTestDb('postgres');
    if (db.kind !== 'postgres') throw new Error('unreachable');
    const direct = new URL(db.url);
    proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432));
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);

    const guild = sim.createGuild({ name: 'Outage' });
    const log = sim.createChannel(guild.id, { name: 'log' });
    const alice = sim.createUser({ username: 'alice' });
    sim.addMember(guild.id, alice.id);
    const codes = [0, 1].map(() => sim!.createInvite(guild.id, { inviterId: alice.id }).code);
    await storeGuild(db.db, guild.id, guild.name);
    await updateGuildSettings(db.db, guild.id, { logChannelId: log.id }, null);

    viaProxyDb = await openDatabase({ url: viaProxy.toString() });
    gateway = await startGateway(...gatewayOptions(sim, db, { db: viaProxyDb }));
    await eventually(() => gateway!.registry.get(guild.id)?.state.isPrimed === true);

    const members = Array.from({ length: 16 }, (_, i) => sim!.createUser({ username: `m${i}` }));
    for (const [i, member] of members.entries()) {
      if (i === 5) await proxy.cut();
      if (i === 11) await proxy.restore();
      await sim.join(guild.id, member.id, { code: codes[i % 2]! });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect((await gateway.metrics.dbRetries.get()).values[0]?.value ?? 0).toBeGreaterThan(0);

    await eventually(async () => {
      const rows = await db!.db.select().from(memberJoins).where(eq(memberJoins.guildId, guild.id));
      return rows.length === members.length && rows.every((r) => r.outcome !== 'pending');
    }, 30_000);
    await eventually(() => logLines(sim!, log.id).total >= members.length, 30_000);
    await gateway.settled();

    const rows = await db.db.select().from(memberJoins).where(eq(memberJoins.guildId, guild.id));
    const truth = new Map(sim.joins.map((j) => [j.userId, j]));
    for (const row of rows)
      if (row.code !== null) expect(row.code).toBe(truth.get(row.memberId)!.code);
    const exact = rows.filter((r) => r.outcome === 'exact');
    expect(exact.length).toBeGreaterThan(members.length / 2);
    expect(await db.db.select().from(inviteRewards)).toHaveLength(exact.length);
    const lines = logLines(sim, log.id);
    expect(lines.total).toBe(members.length);
    expect([...lines.named.values()].every((n) => n === 1)).toBe(true);
  }, 90_000);
});
