/**
 * The outbox: messages written in the transaction that decided them and sent after commit.
 * Sending claims rows with a lease (SKIP LOCKED), so two processes never send the same row at once,
 * and a crashed sender's rows come back after the lease. Each row carries a nonce that Discord
 * dedupes (`enforce_nonce`), so a retry after an unclear failure does not post twice.
 */
import { randomBytes } from 'node:crypto';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client';
import { outbox, type OutboxKind } from '../schema';
import { onShards } from './joins';

export type OutboxMessage = {
  guildId: string;
  joinId: number | null;
  kind: OutboxKind;
  targetId: string;
  body: Record<string, unknown>;
};

/** Discord accepts nonces of up to 25 characters. */
export function newNonce(): string {
  return randomBytes(12).toString('base64url').slice(0, 16);
}

export async function enqueueMessage(db: Db, message: OutboxMessage): Promise<void> {
  await enqueueMessages(db, [message]);
}

/** Queues messages in one insert; they are sent in this order (ids follow it). */
export async function enqueueMessages(db: Db, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await db.insert(outbox).values(messages.map((m) => ({ ...m, nonce: newNonce() })));
}

export type ClaimedMessage = {
  id: number;
  guildId: string;
  joinId: number | null;
  kind: OutboxKind;
  targetId: string;
  body: Record<string, unknown>;
  nonce: string;
  groupNonce: string | null;
  attempts: number;
  createdAt: Date;
};

/**
 * Claims due messages of the given shards for `leaseSeconds`. Guild → shard is
 * `(guild_id >> 22) % shard_count`, so each gateway process sends only its own guilds' messages.
 */
export async function claimDueMessages(
  db: Db,
  options: {
    limit: number;
    leaseSeconds: number;
    shardCount: number;
    shardIds: readonly number[];
    /** Channels whose log lines are left for a later claim (they were just posted to). */
    holdLogChannels?: readonly string[];
  },
): Promise<ClaimedMessage[]> {
  const hold = options.holdLogChannels ?? [];
  const rows = await queryRows<{
    id: string | number;
    guild_id: string | bigint;
    join_id: string | number | null;
    kind: OutboxKind;
    target_id: string | bigint;
    body: Record<string, unknown>;
    nonce: string;
    group_nonce: string | null;
    attempts: number;
    created_at: string | Date;
  }>(
    db,
    sql`update ${outbox} set attempts = attempts + 1,
          next_attempt_at = now() + make_interval(secs => ${options.leaseSeconds})
        where id in (
          select id from ${outbox}
          where status = 'pending' and next_attempt_at <= now()
            and ${onShards(outbox.guildId, options.shardCount, options.shardIds)}
            ${hold.length > 0 ? sql`and not (kind = 'log' and ${inArray(outbox.targetId, [...hold])})` : sql``}
          order by id limit ${options.limit}
          for update skip locked)
        returning id, guild_id, join_id, kind, target_id, body, nonce, group_nonce, attempts, created_at`,
  );
  return rows
    .map((r) => ({
      id: Number(r.id),
      guildId: String(r.guild_id),
      joinId: r.join_id === null ? null : Number(r.join_id),
      kind: r.kind,
      targetId: String(r.target_id),
      body: r.body,
      nonce: r.nonce,
      groupNonce: r.group_nonce,
      attempts: r.attempts,
      createdAt: new Date(r.created_at),
    }))
    .sort((a, b) => a.id - b.id);
}

/** Remembers which rows were combined into one message, so a retry sends the same message. */
export async function setGroupNonce(
  db: Db,
  ids: readonly number[],
  groupNonce: string,
): Promise<void> {
  await db
    .update(outbox)
    .set({ groupNonce })
    .where(inArray(outbox.id, [...ids]));
}

export async function markSent(
  db: Db,
  ids: readonly number[],
  messageId: string | null,
): Promise<void> {
  await db
    .update(outbox)
    .set({ status: 'sent', sentAt: sql`now()`, messageId, lastError: null })
    .where(inArray(outbox.id, [...ids]));
}

export async function markRetry(
  db: Db,
  ids: readonly number[],
  delaySeconds: number,
  error: string,
): Promise<void> {
  await db
    .update(outbox)
    .set({
      nextAttemptAt: sql`now() + make_interval(secs => ${delaySeconds})`,
      lastError: error.slice(0, 500),
    })
    .where(inArray(outbox.id, [...ids]));
}

/** Gives up on messages Discord will never accept (closed DMs, missing permissions, unknown channel). */
export async function markFailed(db: Db, ids: readonly number[], error: string): Promise<void> {
  await db
    .update(outbox)
    .set({ status: 'failed', lastError: error.slice(0, 500) })
    .where(inArray(outbox.id, [...ids]));
}

/** Messages of the given shards waiting to be sent, and how long the oldest has waited. */
export async function outboxBacklog(
  db: Db,
  options: { shardCount: number; shardIds: readonly number[] },
): Promise<{ count: number; oldestAgeSeconds: number }> {
  const [row] = await db
    .select({
      n: sql<number>`count(*)::int`,
      age: sql<number>`coalesce(extract(epoch from now() - min(${outbox.createdAt})), 0)::float8`,
    })
    .from(outbox)
    .where(
      and(
        eq(outbox.status, 'pending'),
        onShards(outbox.guildId, options.shardCount, options.shardIds),
      ),
    );
  return { count: Number(row?.n ?? 0), oldestAgeSeconds: Math.max(0, Number(row?.age ?? 0)) };
}

/**
 * Deletes sent and failed messages older than `days` on the given shards: the outbox is a queue,
 * not an archive (the join history keeps what happened).
 */
export async function pruneOutbox(
  db: Db,
  options: { days: number; shardCount: number; shardIds: readonly number[] },
): Promise<number> {
  const deleted = await db
    .delete(outbox)
    .where(
      and(
        inArray(outbox.status, ['sent', 'failed']),
        sql`${outbox.createdAt} < now() - make_interval(days => ${options.days})`,
        onShards(outbox.guildId, options.shardCount, options.shardIds),
      ),
    )
    .returning({ id: outbox.id });
  return deleted.length;
}

export type OutboxRow = typeof outbox.$inferSelect;

/** The latest log row of each join, by join id (the lines a burst's revisions correct). */
export async function logRowsOfJoins(db: Db, joinIds: readonly number[]) {
  const rows = new Map<number, OutboxRow>();
  if (joinIds.length === 0) return rows;
  const found = await db
    .selectDistinctOn([outbox.joinId])
    .from(outbox)
    .where(and(inArray(outbox.joinId, [...new Set(joinIds)]), eq(outbox.kind, 'log')))
    .orderBy(outbox.joinId, desc(outbox.id));
  for (const row of found) rows.set(row.joinId!, row);
  return rows;
}

/** Revisions rewrote lines: a pending row sends the new text, a sent one is edited to it. */
export async function setOutboxBodies(
  db: Db,
  bodies: ReadonlyMap<number, Record<string, unknown>>,
): Promise<void> {
  if (bodies.size === 0) return;
  const each = JSON.stringify([...bodies].map(([id, body]) => ({ id, body })));
  await db.execute(sql`
    update ${outbox} as o set body = v.body
    from jsonb_to_recordset(${each}::jsonb) as v(id bigint, body jsonb)
    where o.id = v.id`);
}

/** The rows combined into one message during a burst, in the order they were combined. */
export async function groupRows(db: Db, groupNonce: string) {
  return db.select().from(outbox).where(eq(outbox.groupNonce, groupNonce)).orderBy(asc(outbox.id));
}
