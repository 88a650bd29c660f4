/**
 * Reward roles in the database: the tiers, the roles on record per member, and the step that brings
 * one inviter's roles in line with their total. That step runs in the transaction of every counter
 * change (it is called by recomputeInviterStats) and queues one outbox row per role to change, so a
 * replayed or retried change (same total) finds nothing to do and queues nothing.
 */
import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client';
import {
  guildSettings,
  inviterStats,
  outbox,
  rewardRoleGrants,
  rewardTiers,
  roleSyncJobs,
} from '../schema';
import { roleChanges, type RewardRoleRules, type RewardTier } from '../shared/reward-roles';
import { newNonce } from './outbox';

export const MAX_TIERS = 25;

export async function getRewardTiers(db: Db, guildId: string): Promise<RewardTier[]> {
  return db
    .select({ invites: rewardTiers.invites, roleId: rewardTiers.roleId })
    .from(rewardTiers)
    .where(eq(rewardTiers.guildId, guildId))
    .orderBy(asc(rewardTiers.invites));
}

export class TierError extends Error {
  override name = 'TierError';
}

/**
 * Replaces a guild's tiers (thresholds and roles each unique, 1 … 1,000,000, at most MAX_TIERS).
 * Roles on record stay: the next change of an inviter's total, or "sync roles", applies the tiers.
 */
export async function setRewardTiers(
  db: Db,
  guildId: string,
  tiers: readonly RewardTier[],
): Promise<void> {
  if (tiers.length > MAX_TIERS) throw new TierError(`more than ${MAX_TIERS} tiers`);
  if (new Set(tiers.map((t) => t.invites)).size !== tiers.length)
    throw new TierError('two tiers with the same number of invites');
  if (new Set(tiers.map((t) => t.roleId)).size !== tiers.length)
    throw new TierError('one role in two tiers');
  for (const t of tiers) {
    if (!Number.isInteger(t.invites) || t.invites < 1 || t.invites > 1_000_000)
      throw new TierError('invites out of range');
    if (!/^\d{17,20}$/.test(t.roleId)) throw new TierError('not a role id');
  }
  await db.delete(rewardTiers).where(eq(rewardTiers.guildId, guildId));
  if (tiers.length > 0) {
    await db.insert(rewardTiers).values(tiers.map((t) => ({ guildId, ...t })));
  }
}

async function rulesOf(db: Db, guildId: string): Promise<RewardRoleRules> {
  const [row] = await db
    .select({ mode: guildSettings.rewardRoleMode, removeBelow: guildSettings.rewardRoleRemove })
    .from(guildSettings)
    .where(eq(guildSettings.guildId, guildId));
  return row ?? { mode: 'stack', removeBelow: false };
}

/** Queues one role row (target: the member); the sender applies what the grants say at send time. */
async function queueRole(
  db: Db,
  guildId: string,
  userId: string,
  roleId: string,
  action: 'add' | 'remove',
  jobId?: number,
): Promise<void> {
  await db.insert(outbox).values({
    guildId,
    joinId: null,
    kind: 'role',
    targetId: userId,
    body: jobId === undefined ? { roleId, action } : { roleId, action, job: jobId },
    nonce: newNonce(),
  });
}

/**
 * Brings one inviter's reward roles in line with their total as stored in inviter_stats: records
 * the roles they should hold and queues the changes. With `reapply`, roles already on record are
 * queued again too (sync roles: the member may have lost them by hand, or a change failed).
 * Returns the number of role rows queued. Call in the transaction that changed the total.
 */
export async function applyRewardRoles(
  db: Db,
  guildId: string,
  userId: string,
  options: {
    tiers?: readonly RewardTier[];
    rules?: RewardRoleRules;
    reapply?: boolean;
    jobId?: number;
  } = {},
): Promise<number> {
  const tiers = options.tiers ?? (await getRewardTiers(db, guildId));
  if (tiers.length === 0) return 0;
  const rules = options.rules ?? (await rulesOf(db, guildId));
  const [stats] = await db
    .select({ total: inviterStats.invites })
    .from(inviterStats)
    .where(and(eq(inviterStats.guildId, guildId), eq(inviterStats.inviterId, userId)));
  // Rows locked: two transactions changing one inviter's total apply their roles one after the other.
  const heldRows = await db
    .select({ roleId: rewardRoleGrants.roleId })
    .from(rewardRoleGrants)
    .where(and(eq(rewardRoleGrants.guildId, guildId), eq(rewardRoleGrants.userId, userId)))
    .for('update');
  const held = new Set(heldRows.map((r) => r.roleId));
  const { add, remove } = roleChanges(stats?.total ?? 0, tiers, held, rules);
  if (add.length > 0) {
    await db
      .insert(rewardRoleGrants)
      .values(add.map((roleId) => ({ guildId, userId, roleId })))
      .onConflictDoNothing();
  }
  if (remove.length > 0) {
    await db
      .delete(rewardRoleGrants)
      .where(
        and(
          eq(rewardRoleGrants.guildId, guildId),
          eq(rewardRoleGrants.userId, userId),
          inArray(rewardRoleGrants.roleId, remove),
        ),
      );
  }
  for (const roleId of add) await queueRole(db, guildId, userId, roleId, 'add', options.jobId);
  for (const roleId of remove)
    await queueRole(db, guildId, userId, roleId, 'remove', options.jobId);
  let queued = add.length + remove.length;
  if (options.reapply) {
    const tierRoles = new Set(tiers.map((t) => t.roleId));
    for (const roleId of [...held].filter((r) => tierRoles.has(r) && !remove.includes(r)).sort()) {
      await queueRole(db, guildId, userId, roleId, 'add', options.jobId);
      queued += 1;
    }
  }
  return queued;
}

/**
 * Members joined (again): Discord forgot the roles they held, the record did not. Queues the
 * tier roles on record once more. Call in the transaction that records the new joins (only those
 * that are new, so a replayed GUILD_MEMBER_ADD queues nothing). Returns the rows queued.
 */
export async function requeueHeldRoles(
  db: Db,
  guildId: string,
  userIds: readonly string[],
): Promise<number> {
  if (userIds.length === 0) return 0;
  const held = await db
    .select({ userId: rewardRoleGrants.userId, roleId: rewardRoleGrants.roleId })
    .from(rewardRoleGrants)
    .where(and(eq(rewardRoleGrants.guildId, guildId), inArray(rewardRoleGrants.userId, userIds)));
  for (const { userId, roleId } of held) await queueRole(db, guildId, userId, roleId, 'add');
  return held.length;
}

/** Whether the bot's record says the member should hold the role (what a role row applies). */
export async function roleGranted(
  db: Db,
  guildId: string,
  userId: string,
  roleId: string,
): Promise<boolean> {
  const [row] = await db
    .select({ roleId: rewardRoleGrants.roleId })
    .from(rewardRoleGrants)
    .where(
      and(
        eq(rewardRoleGrants.guildId, guildId),
        eq(rewardRoleGrants.userId, userId),
        eq(rewardRoleGrants.roleId, roleId),
      ),
    );
  return row !== undefined;
}

export type RoleSyncJob = typeof roleSyncJobs.$inferSelect;

/**
 * Starts "sync roles" for a guild, or returns the one already running. With `restart` (the counts
 * of everyone changed at once, e.g. a season reset or restore) a running job starts over from the
 * first inviter, so nobody it already passed keeps roles from before the change.
 */
export async function startRoleSync(
  db: Db,
  guildId: string,
  requestedBy: string | null,
  options: { restart?: boolean } = {},
): Promise<{ job: RoleSyncJob; started: boolean }> {
  const running = await latestRoleSync(db, guildId);
  const [{ n } = { n: 0 }] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(inviterStats)
    .where(eq(inviterStats.guildId, guildId));
  if (running?.status === 'running') {
    if (!options.restart) return { job: running, started: false };
    const [job] = await db
      .update(roleSyncJobs)
      .set({ cursor: null, done: 0, total: Number(n) })
      .where(eq(roleSyncJobs.id, running.id))
      .returning();
    return { job: job!, started: true };
  }
  const [job] = await db
    .insert(roleSyncJobs)
    .values({ guildId, requestedBy, total: Number(n) })
    .returning();
  return { job: job!, started: true };
}

export async function latestRoleSync(db: Db, guildId: string): Promise<RoleSyncJob | null> {
  const [job] = await db
    .select()
    .from(roleSyncJobs)
    .where(eq(roleSyncJobs.guildId, guildId))
    .orderBy(desc(roleSyncJobs.id))
    .limit(1);
  return job ?? null;
}

/** Role rows a sync job queued, by state (its progress on Discord's side). */
export async function roleSyncDelivery(
  db: Db,
  jobId: number,
): Promise<{ pending: number; sent: number; failed: number }> {
  const rows = await db
    .select({ status: outbox.status, n: sql<number>`count(*)::int` })
    .from(outbox)
    .where(and(eq(outbox.kind, 'role'), sql`(${outbox.body}->>'job')::bigint = ${jobId}`))
    .groupBy(outbox.status);
  const of = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
  return { pending: of('pending'), sent: of('sent'), failed: of('failed') };
}

/** Whether a sync job is running on these shards (a cheap read before the worker's transaction). */
export async function roleSyncPending(db: Db, where: ReturnType<typeof sql>): Promise<boolean> {
  const [row] = await db
    .select({ id: roleSyncJobs.id })
    .from(roleSyncJobs)
    .where(and(eq(roleSyncJobs.status, 'running'), where))
    .limit(1);
  return row !== undefined;
}

/**
 * One page of a running sync job (the given shards' guilds only): the next `limit` inviters after
 * the cursor get their roles re-applied, the cursor and counts move, and the job is done when a page
 * comes back short. Jobs locked by another process are skipped. Returns the job's id and whether
 * it finished, or null when no job is running.
 */
export async function runRoleSyncPage(
  db: Db,
  where: ReturnType<typeof sql>,
  limit: number,
): Promise<{ jobId: number; guildId: string; done: number; finished: boolean } | null> {
  return db.transaction(async (tx) => {
    const [job] = await tx
      .select()
      .from(roleSyncJobs)
      .where(and(eq(roleSyncJobs.status, 'running'), where))
      .orderBy(asc(roleSyncJobs.id))
      .limit(1)
      .for('update', { skipLocked: true });
    if (!job) return null;
    const page = await tx
      .select({ inviterId: inviterStats.inviterId })
      .from(inviterStats)
      .where(
        and(
          eq(inviterStats.guildId, job.guildId),
          job.cursor === null ? undefined : gt(inviterStats.inviterId, job.cursor),
        ),
      )
      .orderBy(asc(inviterStats.inviterId))
      .limit(limit);
    const tiers = await getRewardTiers(tx, job.guildId);
    const rules = await rulesOf(tx, job.guildId);
    let queued = 0;
    for (const { inviterId } of page) {
      queued += await applyRewardRoles(tx, job.guildId, inviterId, {
        tiers,
        rules,
        reapply: true,
        jobId: job.id,
      });
    }
    const finished = page.length < limit;
    const done = job.done + page.length;
    await tx
      .update(roleSyncJobs)
      .set({
        done,
        total: Math.max(job.total, done),
        queued: job.queued + queued,
        cursor: page.at(-1)?.inviterId ?? job.cursor,
        status: finished ? 'done' : 'running',
        finishedAt: finished ? sql`now()` : null,
      })
      .where(eq(roleSyncJobs.id, job.id));
    return { jobId: job.id, guildId: job.guildId, done, finished };
  });
}

/**
 * Role changes Discord refused (recorded as final failures), newest first: the doctor shows them.
 * An inviter who left the server (10007 Unknown Member) is not a problem to fix and not counted.
 */
export async function failedRoleChanges(db: Db, guildId: string, limit = 5) {
  const refused = and(
    eq(outbox.guildId, guildId),
    eq(outbox.kind, 'role'),
    eq(outbox.status, 'failed'),
    sql`coalesce(${outbox.lastError}, '') not like '10007 %'`,
  );
  const rows = await db
    .select({
      userId: outbox.targetId,
      body: outbox.body,
      error: outbox.lastError,
      at: outbox.createdAt,
    })
    .from(outbox)
    .where(refused)
    .orderBy(desc(outbox.id))
    .limit(limit);
  const [{ n } = { n: 0 }] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(outbox)
    .where(refused);
  return {
    count: Number(n),
    latest: rows.map((r) => ({
      userId: r.userId,
      roleId: String((r.body as { roleId?: unknown }).roleId ?? ''),
      error: r.error ?? '',
      at: r.at,
    })),
  };
}
