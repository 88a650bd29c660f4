/**
 * The gateway as a real process: configuration errors, fatal close codes, SIGTERM, and a SIGKILL in
 * the middle of a burst of joins (the restarted process must record every join once, award XP once
 * and post every log line once).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../../db/client';
import { migrate } from '../../db/migrate';
import { updateGuildSettings } from '../../db/queries/settings';
import { inviteRewards, memberJoins, memberXp } from '../../db/schema';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process';
import { freePort } from '../helpers/ports';
import { createTestDb, TEST_DATABASE_URL, type TestDb, storeGuild } from '../helpers/db';
import { startSimulator, type Simulator } from '../sim';
import { logLines } from './stack';

/** Where the child keeps its data: a Postgres database of its own when available, else a PGlite dir. */
async function childDatabase(): Promise<{
  env: Record<string, string>;
  open: () => Promise<DbHandle>;
  dispose: () => Promise<void>;
}> {
  if (TEST_DATABASE_URL) {
    const db: TestDb = await createTestDb('postgres');
    if (db.kind !== 'postgres') throw new Error('unreachable');
    return { env: { DATABASE_URL: db.url }, open: async () => db, dispose: () => db.dispose() };
  }
  const dir = join(mkdtempSync(join(tmpdir(), 'gateway-proc-')), 'pglite');
  return {
    env: { PGLITE_DIR: dir },
    open: async () => {
      const handle = await createDb(undefined, { dataDir: dir });
      await migrate(handle);
      return handle;
    },
    dispose: async () => {},
  };
}

describe('the gateway process', () => {
  let sim: Simulator | undefined;
  const children: GatewayProcess[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    await sim?.close();
    sim = undefined;
  });

  it('refuses to start with missing or invalid settings and lists them all', async () => {
    const proc = spawnGateway({ SHARD_IDS: '0-x', HEALTH_PORT: 'abc' });
    children.push(proc);
    expect(await proc.exited).toBe(1);
    const out = proc.output();
    expect(out).toContain('DISCORD_TOKEN is required');
    expect(out).toContain('SHARD_IDS must look like');
    expect(out).toContain('HEALTH_PORT must be a whole number');
    expect(out).toContain('npm run demo');
  });

  it('exits non-zero and says what to enable when the Server Members intent is not allowed (4014)', async () => {
    sim = await startSimulator({ heartbeatIntervalMs: 1000, privilegedIntents: 0 });
    const db = await childDatabase();
    const proc = spawnGateway({
      DISCORD_TOKEN: sim.token,
      DISCORD_API_BASE: sim.api,
      HEALTH_PORT: '0',
      ...db.env,
    });
    children.push(proc);
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain('Server Members Intent');
    await db.dispose();
  });

  it('exits non-zero with the reason when the token is rejected', async () => {
    sim = await startSimulator({ heartbeatIntervalMs: 1000 });
    const db = await childDatabase();
    const proc = spawnGateway({
      DISCORD_TOKEN: `${sim.token}x`,
      DISCORD_API_BASE: sim.api,
      HEALTH_PORT: '0',
      ...db.env,
    });
    children.push(proc);
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain('rejected DISCORD_TOKEN');
    expect(proc.output()).not.toContain(sim.token);
    await db.dispose();
  });

  it('after SIGKILL in the middle of a burst, the restarted process records every join once, with XP and log lines once', async () => {
    sim = await startSimulator({ heartbeatIntervalMs: 1000, restLatencyMs: 20 });
    const guild = sim.createGuild({ name: 'Crash' });
    const log = sim.createChannel(guild.id, { name: 'log' });
    const inviters = [0, 1, 2].map((i) => {
      const user = sim!.createUser({ username: `inviter${i}` });
      sim!.addMember(guild.id, user.id);
      return user;
    });
    const codes = inviters.map((u) => sim!.createInvite(guild.id, { inviterId: u.id }).code);
    const db = await childDatabase();
    {
      // Configure the log channel before the gateway owns the database.
      const handle = await db.open();
      await storeGuild(handle.db, guild.id, guild.name);
      await updateGuildSettings(handle.db, guild.id, { logChannelId: log.id }, null);
      if (handle.kind === 'pglite') await handle.close();
    }
    const env = {
      DISCORD_TOKEN: sim.token,
      DISCORD_API_BASE: sim.api,
      ATTRIBUTION_SETTLE_MS: '100',
      OUTBOX_LEASE_SECONDS: '2',
      ...db.env,
    };
    const first = spawnGateway({ ...env, HEALTH_PORT: String(await freePort()) });
    children.push(first);
    await first.waitForLog(/shard ready/);
    await first.waitForLog(/database migrations are up to date/);

    const members = Array.from({ length: 24 }, (_, i) =>
      sim!.createUser({ username: `member${i}` }),
    );
    // Joins are spaced so most can be paired exactly; the kill lands in the middle of them.
    for (const [i, member] of members.entries()) {
      await sim.join(guild.id, member.id, { code: codes[i % codes.length]! });
      if (i === 11) first.child.kill('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(await first.exited).toBe(null);

    const second = spawnGateway({ ...env, HEALTH_PORT: String(await freePort()) });
    children.push(second);
    await second.waitForLog(/shard (ready|resumed)/);
    // Let attribution and the outbox finish, then stop cleanly.
    const deadline = Date.now() + 30_000;
    while (logLines(sim, log.id).total < members.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await new Promise((resolve) => setTimeout(resolve, 2500));
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const handle = await db.open();
    try {
      const rows = await handle.db
        .select()
        .from(memberJoins)
        .where(eq(memberJoins.guildId, guild.id));
      expect(rows).toHaveLength(members.length);
      expect(rows.filter((r) => r.outcome === 'pending')).toEqual([]);
      const truth = new Map(sim.joins.map((j) => [j.userId, j]));
      for (const row of rows) {
        if (row.code !== null) expect(row.code).toBe(truth.get(row.memberId)!.code);
        if (row.inviterId !== null) expect(row.inviterId).toBe(truth.get(row.memberId)!.inviterId);
      }
      const exact = rows.filter((r) => r.outcome === 'exact');
      expect(exact.length).toBeGreaterThan(0);
      const rewards = await handle.db.select().from(inviteRewards);
      expect(rewards).toHaveLength(exact.length);
      const xp = await handle.db.select().from(memberXp);
      expect(xp.reduce((sum, r) => sum + r.xp, 0)).toBe(50 * exact.length);
      // Every join reported once, none twice (burst messages combine or summarise lines).
      const lines = logLines(sim, log.id);
      expect(lines.total).toBe(members.length);
      expect([...lines.named.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await handle.close();
      await db.dispose();
    }
  }, 90_000);

  it('stops cleanly on SIGTERM', async () => {
    sim = await startSimulator({ heartbeatIntervalMs: 1000 });
    const db = await childDatabase();
    const proc = spawnGateway({
      DISCORD_TOKEN: sim.token,
      DISCORD_API_BASE: sim.api,
      HEALTH_PORT: '0',
      ...db.env,
    });
    children.push(proc);
    await proc.waitForLog(/gateway running/);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain('stopping');
    await db.dispose();
  });
});
