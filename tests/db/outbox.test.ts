import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDueMessages, enqueueMessage, markSent, pruneOutbox } from '../../db/queries/outbox';
import { outbox } from '../../db/schema';
import { createTestDb, dbKinds, type TestDb, storeGuild } from '../helpers/db';

const GUILD = '100000000000000111';
const body = { content: 'x', allowed_mentions: { parse: [], users: [] } };

describe.each(dbKinds)('outbox queries on %s', (kind) => {
  let handle: TestDb;
  beforeAll(async () => {
    handle = await createTestDb(kind);
    await storeGuild(handle.db, GUILD);
  });
  afterAll(() => handle.dispose());

  it('claims due messages once (a lease), only for its own shards', async () => {
    await enqueueMessage(handle.db, {
      guildId: GUILD,
      joinId: null,
      kind: 'log',
      targetId: '200000000000000001',
      body,
    });
    const shard = Number((BigInt(GUILD) >> 22n) % 2n);
    expect(
      await claimDueMessages(handle.db, {
        limit: 10,
        leaseSeconds: 60,
        shardCount: 2,
        shardIds: [1 - shard],
      }),
    ).toEqual([]);
    const claimed = await claimDueMessages(handle.db, {
      limit: 10,
      leaseSeconds: 60,
      shardCount: 2,
      shardIds: [shard],
    });
    expect(claimed).toHaveLength(1);
    expect(claimed[0]!.attempts).toBe(1);
    expect(
      await claimDueMessages(handle.db, {
        limit: 10,
        leaseSeconds: 60,
        shardCount: 2,
        shardIds: [shard],
      }),
    ).toEqual([]);
    await markSent(handle.db, [claimed[0]!.id], '300000000000000001');
  });

  it('prunes only sent or failed messages older than the retention', async () => {
    await handle.db.delete(outbox);
    for (let i = 0; i < 3; i++) {
      await enqueueMessage(handle.db, {
        guildId: GUILD,
        joinId: null,
        kind: 'log',
        targetId: '200000000000000001',
        body,
      });
    }
    const [oldSent, oldPending, recentSent] = await handle.db
      .select()
      .from(outbox)
      .orderBy(outbox.id);
    await markSent(handle.db, [oldSent!.id, recentSent!.id], null);
    await handle.db
      .update(outbox)
      .set({ createdAt: sql`now() - interval '40 days'` })
      .where(sql`${outbox.id} in (${oldSent!.id}, ${oldPending!.id})`);
    expect(await pruneOutbox(handle.db, { days: 30, shardCount: 1, shardIds: [0] })).toBe(1);
    const left = await handle.db.select({ id: outbox.id }).from(outbox).orderBy(outbox.id);
    expect(left.map((r) => r.id)).toEqual([oldPending!.id, recentSent!.id]);
    expect(await handle.db.select().from(outbox).where(eq(outbox.id, oldSent!.id))).toEqual([]);
  });
});
