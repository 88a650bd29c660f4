/**
 * GUILD_CREATE: store the guild, open (or restore) its attribution, and reconcile joins that
 * happened while we could not see them. GUILD_DELETE: an outage is ignored; removal drops the state
 * (the history stays in the database).
 */
import { markGuildRemoved, updateGuildProfile, upsertGuild } from '../../db/queries/guilds';
import { joinsRecordedSince } from '../../db/queries/joins';
import { joinKey } from '../guilds/guild-runner';
import { retryUntilDone } from '../persist/retry';
import { traitsOf } from '../guilds/registry';
import { listMembersJoinedSince } from '../discord/invites-api';
import {
  guildCreateSchema,
  guildDeleteSchema,
  guildUpdateSchema,
  type GuildCreate,
} from '../discord/payloads';
import { guildPermissions } from '../discord/permissions';
import type { PendingJoin } from '../attribution/types';
import { rejectPayload, type Handler, type HandlerContext } from './context';

export const onGuildCreate: Handler = async (ctx, data, done) => {
  const parsed = guildCreateSchema.safeParse(data);
  if (!parsed.success) {
    rejectPayload(ctx, 'GUILD_CREATE', 'malformed');
    return done();
  }
  const guild = parsed.data;
  if (guild.unavailable) return done();
  const botId = ctx.botUserId();
  const botMember = guild.members.find((m) => m.user.id === botId);
  const permissions =
    botId && botMember
      ? guildPermissions({
          guildId: guild.id,
          ownerId: guild.owner_id ?? null,
          memberId: botId,
          memberRoleIds: botMember.roles,
          roles: guild.roles,
        })
      : null;
  await retryUntilDone(
    'store guild',
    () =>
      upsertGuild(ctx.db, {
        id: guild.id,
        name: guild.name,
        icon: guild.icon ?? null,
        ownerId: guild.owner_id ?? null,
        features: guild.features,
        botPermissions: permissions === null ? null : permissions.toString(),
      }),
    { log: ctx.log, onRetry: () => ctx.metrics.dbRetries.inc() },
  );
  const { runner, takenAt } = await ctx.registry.open(
    guild.id,
    traitsOf(guild.features, permissions),
  );
  done();
  if (takenAt !== null) await reconcile(ctx, guild, takenAt, runner);
  else runner.wake();
};

/** Finds members who joined since the stored baseline without us recording it, and attributes them. */
async function reconcile(
  ctx: HandlerContext,
  guild: GuildCreate,
  takenAt: number,
  runner: NonNullable<ReturnType<HandlerContext['registry']['get']>>,
): Promise<void> {
  // `takenAt` is when the baseline's fetch was sent: uses before it are in the baseline. No margin
  // for clock skew on purpose: a skewed join lands on the wrong side and the batch ends up
  // unpaired (downtime), never wrongly paired.
  const since = takenAt;
  let missed: { join: PendingJoin; bot: boolean }[] = [];
  const tooLarge = (guild.member_count ?? 0) > ctx.downtimeMemberScanLimit;
  if (!tooLarge) {
    try {
      const listed = await listMembersJoinedSince(
        ctx.api,
        guild.id,
        since,
        ctx.downtimeMemberScanLimit,
      );
      const recorded = await joinsRecordedSince(ctx.db, guild.id, new Date(since));
      const known = new Set(recorded.map((r) => joinKey(r.memberId, r.joinedAt.toISOString())));
      const now = ctx.now();
      missed = (listed ?? [])
        .filter((m) => m.id !== ctx.botUserId() && !known.has(joinKey(m.id, m.joinedAt)))
        .map((m) => ({
          join: {
            key: joinKey(m.id, m.joinedAt),
            memberId: m.id,
            joinedAt: m.joinedAt,
            receivedAt: now,
          },
          bot: m.bot,
        }));
    } catch (error) {
      ctx.log.warn(
        { guildId: guild.id, err: error },
        'could not list members to find joins missed while offline',
      );
    }
  } else {
    ctx.log.info(
      { guildId: guild.id, members: guild.member_count },
      'guild too large to look for joins missed while offline; only the invite counts are updated',
    );
  }
  if (missed.length > 0)
    ctx.log.info({ guildId: guild.id, missed: missed.length }, 'found joins missed while offline');
  runner.reconcile(missed);
}

/** GUILD_UPDATE: name and features (the vanity URL comes and goes with VANITY_URL). */
export const onGuildUpdate: Handler = async (ctx, data, done) => {
  const parsed = guildUpdateSchema.safeParse(data);
  if (!parsed.success) {
    rejectPayload(ctx, 'GUILD_UPDATE', 'malformed');
    return done();
  }
  const guild = parsed.data;
  const runner = await ctx.registry.resolve(guild.id);
  if (!runner) return done();
  runner.setVanity(guild.features.includes('VANITY_URL'));
  await retryUntilDone(
    'update guild',
    () =>
      updateGuildProfile(ctx.db, {
        id: guild.id,
        name: guild.name,
        icon: guild.icon ?? null,
        ownerId: guild.owner_id ?? null,
        features: guild.features,
      }),
    { log: ctx.log, onRetry: () => ctx.metrics.dbRetries.inc() },
  );
  done();
};

export const onGuildDelete: Handler = async (ctx, data, done) => {
  const parsed = guildDeleteSchema.safeParse(data);
  if (!parsed.success) {
    rejectPayload(ctx, 'GUILD_DELETE', 'malformed');
    return done();
  }
  if (parsed.data.unavailable) return done();
  ctx.registry.remove(parsed.data.id);
  await retryUntilDone('mark guild removed', () => markGuildRemoved(ctx.db, parsed.data.id), {
    log: ctx.log,
  });
  ctx.log.info({ guildId: parsed.data.id }, 'removed from a guild');
  done();
};
