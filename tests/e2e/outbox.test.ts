import type { API } from '@discordjs/core';
import { eq, sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  enqueueMessage,
  enqueueMessages,
  logRowsOfJoins,
  setOutboxBodies,
} from '../../db/queries/outbox';
import { recordPendingJoin } from '../../db/queries/joins';
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

  it('corrects lines of one combined message with one PATCH; an edit of a line never posted fails', async () => {
    const { guild, channel } = await guildWithChannel();
    const joins = [];
    for (let i = 0; i < 5; i++) {
      const user = sim.createUser();
      sim.addMember(guild.id, user.id);
      const { joinId } = await recordPendingJoin(db.db, {
        guildId: guild.id,
        memberId: user.id,
        joinedAt: new Date(Date.UTC(2026, 5, 1, 0, 0, i)),
        memberBot: false,
      });
      joins.push({ joinId, userId: user.id });
      await enqueueMessage(db.db, {
        guildId: guild.id,
        joinId,
        kind: 'log',
        targetId: channel.id,
        body: line(user.id),
      });
    }
    sender.start();
    await eventually(async () =>
      (await db.db.select().from(outbox)).every((r) => r.status === 'sent'),
    );
    expect(sim.messages(channel.id)).toHaveLength(1);
    // Three lines revised (their text rewritten, an edit row each), and one edit whose join never
    // had a line.
    const rows = await logRowsOfJoins(
      db.db,
      joins.map((j) => j.joinId),
    );
    const corrected = new Map(
      joins
        .slice(1, 4)
        .map((j) => [
          rows.get(j.joinId)!.id,
          { ...line(j.userId), content: `<@${j.userId}> korrigiert.` },
        ]),
    );
    await setOutboxBodies(db.db, corrected);
    const orphan = await recordPendingJoin(db.db, {
      guildId: guild.id,
      memberId: sim.createUser().id,
      joinedAt: new Date(Date.UTC(2026, 5, 1, 0, 1)),
      memberBot: false,
    });
    await enqueueMessages(db.db, [
      ...[...joins.slice(1, 4), { joinId: orphan.joinId }].map((j) => ({
        guildId: guild.id,
        joinId: j.joinId,
        kind: 'edit' as const,
        targetId: channel.id,
        body: {},
      })),
    ]);
    sender.wake();
    const edits = await eventually(async () => {
      const found = (await db.db.select().from(outbox)).filter((r) => r.kind === 'edit');
      return found.every((r) => r.status !== 'pending') ? found : undefined;
    });
    const patches = sim.requests.filter((r) => r.routeKey === 'PATCH /channels/:id/messages/:id');
    expect(patches).toHaveLength(1);
    const [message] = sim.messages(channel.id);
    expect(message!.content.match(/korrigiert/g)).toHaveLength(3);
    expect(message!.content).toContain(`<@${joins[0]!.userId}> ist beigetreten.`);
    expect(edits.filter((r) => r.status === 'sent')).toHaveLength(3);
    expect(edits.find((r) => r.joinId === orphan.joinId)).toMatchObject({
      status: 'failed',
      lastError: 'the line to correct was never posted',
    });
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
