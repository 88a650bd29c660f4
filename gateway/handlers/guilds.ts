/**
 * GUILD_CREATE: store the guild, open (or restore) its attribution, and reconcile joins that
 * happened while we could not see them. GUILD_UPDATE: name, icon and the vanity feature.
 * GUILD_DELETE: an outage is ignored; removal drops the state (the history stays in the database).
 */
import { markGuildRemoved, updateGuildProfile, upsertGuild } from '../../db/queries/guilds';
import { guildPermissions } from '../discord/permissions';
import { findMissedJoins } from '../guilds/downtime';
import { traitsOf } from '../guilds/registry';
import { retryUntilDone } from '../persist/retry';
import type { EventPayloads } from '../discord/payloads';
import type { EventHandlers, HandlerContext } from './context';

/** The guild fields GUILD_CREATE and GUILD_UPDATE both carry. */
const profileOf = (guild: EventPayloads['GUILD_UPDATE']) => ({
  id: guild.id,
  name: guild.name,
  icon: guild.icon ?? null,
  ownerId: guild.owner_id ?? null,
  features: guild.features,
});

const storeRetry = (ctx: HandlerContext) => ({
  log: ctx.log,
  onRetry: () => ctx.metrics.dbRetries.inc(),
});

export const guildHandlers: EventHandlers = {
  GUILD_CREATE: {
    scope: 'event',
    handle: async (ctx, { data: guild, done }) => {
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
            ...profileOf(guild),
            botPermissions: permissions === null ? null : permissions.toString(),
          }),
        storeRetry(ctx),
      );
      const { runner, takenAt } = await ctx.registry.open(
        guild.id,
        traitsOf(guild.features, permissions),
      );
      done();
      if (takenAt === null) return runner.wake();
      const missed = await findMissedJoins({
        api: ctx.api,
        db: ctx.db,
        log: ctx.log,
        guildId: guild.id,
        memberCount: guild.member_count ?? 0,
        since: takenAt,
        limit: ctx.downtimeMemberScanLimit,
        botUserId: botId,
        now: ctx.now(),
      });
      runner.reconcile(missed);
    },
  },
  GUILD_UPDATE: {
    scope: 'guild',
    guildOf: (guild) => guild.id,
    unknownGuild: 'ignore',
    handle: async (ctx, { data: guild, done }, runner) => {
      runner.setVanity(guild.features.includes('VANITY_URL'));
      await retryUntilDone(
        'update guild',
        () => updateGuildProfile(ctx.db, profileOf(guild)),
        storeRetry(ctx),
      );
      done();
    },
  },
  GUILD_DELETE: {
    scope: 'event',
    handle: async (ctx, { data: guild, done }) => {
      if (guild.unavailable) return done();
      ctx.registry.remove(guild.id);
      await retryUntilDone('mark guild removed', () => markGuildRemoved(ctx.db, guild.id), {
        log: ctx.log,
      });
      ctx.log.info({ guildId: guild.id }, 'removed from a guild');
      done();
    },
  },
};
