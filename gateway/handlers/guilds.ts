/**
 * GUILD_CREATE: store the guild, open (or restore) its attribution, and reconcile joins that
 * happened while we could not see them. GUILD_UPDATE: name, icon and the vanity feature.
 * GUILD_DELETE: an outage is ignored; removal drops the state (the history stays in the database).
 */
import { markGuildRemoved, updateGuildProfile } from '../../db/queries/guilds';
import { guildPermissions } from '../discord/permissions';
import { reconcileAfterDowntime } from '../guilds/downtime';
import { traitsOf } from '../guilds/registry';
import { retryUntilDone } from '../persist/retry';
import type { EventPayloads } from '../discord/payloads';
import type { EventHandlers, GuildEventHandler, HandlerContext } from './context';

/** The guild fields GUILD_CREATE and GUILD_UPDATE both carry. */
const profileOf = (guild: EventPayloads['GUILD_UPDATE']) => ({
  id: guild.id,
  name: guild.name,
  icon: guild.icon ?? null,
  ownerId: guild.owner_id ?? null,
  features: guild.features,
});

function permissionsMayHaveChanged(): GuildEventHandler<{ guild_id: string }> {
  return {
    scope: 'guild',
    guildOf: (role) => role.guild_id,
    unknownGuild: 'ignore',
    handle: (_ctx, { done }, runner) => {
      runner.permissionsChanged();
      done();
    },
  };
}

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
      const opened = ctx.guildRows
        .add({
          ...profileOf(guild),
          botPermissions: permissions === null ? null : permissions.toString(),
        })
        .then(() => ctx.registry.open(guild.id, traitsOf(guild.features, permissions)));
      // The guild's joins that come meanwhile wait for its row and runner (the row is batched).
      ctx.registry.expect(guild.id, opened);
      const { runner, takenAt } = await opened;
      done();
      if (takenAt === null) return runner.wake();
      await reconcileAfterDowntime(
        {
          api: ctx.api,
          db: ctx.db,
          log: ctx.log,
          guildId: guild.id,
          memberCount: guild.member_count ?? 0,
          since: takenAt,
          limit: ctx.downtimeMemberScanLimit,
          botUserId: botId,
          now: ctx.now,
        },
        runner,
        ctx.downtimeRetryDelaysMs,
      );
    },
  },
  GUILD_UPDATE: {
    scope: 'guild',
    guildOf: (guild) => guild.id,
    unknownGuild: 'ignore',
    handle: async (ctx, { data: guild, done }, runner) => {
      runner.setVanity(guild.features.includes('VANITY_URL'));
      // The owner may have changed, and with it the bot's permissions.
      runner.permissionsChanged();
      await retryUntilDone(
        'update guild',
        () => updateGuildProfile(ctx.db, profileOf(guild)),
        storeRetry(ctx),
      );
      done();
    },
  },
  // The bot's permissions may have changed: a refused invites fetch or audit log is tried again at
  // once instead of after its wait (a member update counts only when it is the bot's own).
  GUILD_ROLE_CREATE: permissionsMayHaveChanged(),
  GUILD_ROLE_UPDATE: permissionsMayHaveChanged(),
  GUILD_ROLE_DELETE: permissionsMayHaveChanged(),
  GUILD_MEMBER_UPDATE: {
    scope: 'guild',
    guildOf: (member) => member.guild_id,
    unknownGuild: 'ignore',
    handle: (ctx, { data, done }, runner) => {
      if (data.user.id === ctx.botUserId()) {
        runner.permissionsChanged();
        return done();
      }
      // Fair play: the guild's required role may release the member's waiting reward.
      if (data.roles.length === 0) return done();
      runner.memberRolesChanged(data.user.id, data.roles, done);
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
