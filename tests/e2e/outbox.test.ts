import type { API } from '@discordjs/core';
import { eq, sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enqueueMessage } from '../../db/queries/outbox';
import { outbox } from '../../db/schema';
import { createRest } from '../../gateway/discord/rest';
import { SendClock } from '../../gateway/discord/send-clock';
import { OutboxSender } from '../../gateway/notify/outbox-sender';
import { createMetrics, type Metrics } from '../../gateway/ops/metrics';
import { DefaultGatewayOptions } from '../../gateway/options';
import { createTestDb, type TestDb, storeGuild } from '../helpers/db';
import { startSimulator, type Simulator } from '../sim';
import { eventually, logLines } from './stack';

describe('outbox sender', () => {
  let sim: Simulator;
  let db: TestDb;
  let sender: OutboxSender;
  let api: API;
  let metrics: Metrics;
  beforeEach(async () => {
    sim = await startSimulator();
    db = await createTestDb('pglite');
    metrics = createMetrics();
    // The gateway's own REST client, as production configures it.
    ({ api } = createRest({ token: sim.token, apiBase: sim.api }, metrics, new SendClock(), {
      offset: 0,
    }));
    sender = new OutboxSender({
      db: db.db,
      api,
      log: pino({ level: 'silent' }),
      metrics,
      shardCount: 1,
      shardIds: [0],
      pollMs: 50,
      leaseSeconds: DefaultGatewayOptions.outboxLeaseSeconds,
    });
  });
  afterEach(async () => {
    await sender.stop();
    await sim.close();
    await db.dispose();
  });

  async function guildWithChannel() {
    const guild = sim.createGuild();
    const channel = sim.createChannel(guild.id, { name: 'log' });
    await storeGuild(db.db, guild.id, guild.name);
    return { guild, channel };
  }

  const line = (userId: string, locale: 'de' | 'en' = 'de') => ({
    content: `<@${userId}> ist beigetreten.`,
    allowed_mentions: { parse: [], users: [userId] },
    locale,
  });

  it('combines a burst of lines for one channel into one message and summarises what does not fit', async () => {
    const { guild, channel } = await guildWithChannel();
    const ids = Array.from({ length: 60 }, () => {
      const user = sim.createUser();
      sim.addMember(guild.id, user.id);
      return user.id;
    });
    for (const id of ids) {
      await enqueueMessage(db.db, {
        guildId: guild.id,
        joinId: null,
        kind: 'log',
        targetId: channel.id,
        body: line(id),
      });
    }
    sender.start();
    await eventually(async () => {
      const rows = await db.db.select().from(outbox);
      return rows.every((r) => r.status === 'sent');
    });
    const messages = sim.messages(channel.id);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.content.split('\n')).toHaveLength(21);
    expect(messages[0]!.content).toMatch(/… und 40 weitere Beitritte/);
    expect(logLines(sim, channel.id).total).toBe(60);
    expect(messages[0]!.mentions).toHaveLength(20);
  });

  it('does not post twice when a message Discord already has is sent again (same nonce)', async () => {
    const { guild, channel } = await guildWithChannel();
    await enqueueMessage(db.db, {
      guildId: guild.id,
      joinId: null,
      kind: 'log',
      targetId: channel.id,
      body: line('700000000000000001'),
    });
    const [row] = await db.db.select().from(outbox);
    // As if an earlier process had posted it and died before marking it sent.
    await api.channels.createMessage(channel.id, {
      content: 'earlier attempt',
      nonce: row!.nonce,
      enforce_nonce: true,
    });
    sender.start();
    await eventually(async () => (await db.db.select().from(outbox))[0]?.status === 'sent');
    expect(sim.messages(channel.id)).toHaveLength(1);
  });

  it('records closed DMs as failed and does not retry them', async () => {
    const { guild } = await guildWithChannel();
    const shy = sim.createUser({ dmsClosed: true });
    sim.addMember(guild.id, shy.id);
    await enqueueMessage(db.db, {
      guildId: guild.id,
      joinId: null,
      kind: 'dm',
      targetId: shy.id,
      body: line('700000000000000002'),
    });
    sender.start();
    const row = await eventually(async () => {
      const [r] = await db.db.select().from(outbox);
      return r?.status === 'failed' ? r : undefined;
    });
    expect(row.lastError).toMatch(/Cannot send messages to this user/);
    expect(row.attempts).toBe(1);
    expect(sim.dmFailures).toHaveLength(1);
  });

  it('retries server errors in one layer: one HTTP try per attempt, at most half a minute apart, backlog age measured', async () => {
    const { guild, channel } = await guildWithChannel();
    sim.faults.serverError('POST /channels/:id/messages', { count: 3, status: 503 });
    await enqueueMessage(db.db, {
      guildId: guild.id,
      joinId: null,
      kind: 'log',
      targetId: channel.id,
      body: line('700000000000000003'),
    });
    sender.start();
    for (let attempt = 1; attempt <= 3; attempt++) {
      const pending = await eventually(async () => {
        const [row] = await db.db.select().from(outbox);
        return row?.attempts === attempt && row.lastError ? row : undefined;
      });
      expect(pending.status).toBe('pending');
      // Full jitter under a 30 s cap for log lines (the old doubling reached 600 s).
      expect(pending.nextAttemptAt.getTime() - Date.now()).toBeLessThanOrEqual(30_000);
      expect((await metrics.outboxBacklogAge.get()).values[0]?.value).toBeGreaterThanOrEqual(0);
      await db.db
        .update(outbox)
        .set({ nextAttemptAt: sql`now()`, lastError: null })
        .where(eq(outbox.id, pending.id));
    }
    const sent = await eventually(async () => {
      const [row] = await db.db.select().from(outbox);
      return row?.status === 'sent' ? row : undefined;
    });
    expect(sim.messages(channel.id)).toHaveLength(1);
    // Each attempt of the outbox was one HTTP request: no retries hidden inside the REST client.
    const posts = sim.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith(`/channels/${channel.id}/messages`),
    );
    expect(posts).toHaveLength(4);
    expect(sent.attempts).toBe(4);
  });
});
