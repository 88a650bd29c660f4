/**
 * GUILD_MEMBER_ADD: record the join at once, then let the guild's attribution decide it.
 * GUILD_MEMBER_REMOVE (leave, kick or ban): close the member's open join.
 */
import { joinKey } from '../guilds/guild-runner';
import type { EventHandlers } from './context';

export const memberHandlers: EventHandlers = {
  GUILD_MEMBER_ADD: {
    scope: 'guild',
    guildOf: (member) => member.guild_id,
    handle: (ctx, { data, receivedAt, done }, runner) => {
      const { guild_id: guildId, user, joined_at: joinedAt } = data;
      const key = joinKey(user.id, joinedAt);
      if (ctx.registry.wasDecided(guildId, key)) return done();
      ctx.users.remember(user);
      runner.memberJoined({ key, memberId: user.id, joinedAt, receivedAt }, user.bot === true, {
        record: true,
        onRecorded: done,
        hasAvatar: user.avatar != null,
      });
    },
  },
  GUILD_MEMBER_REMOVE: {
    scope: 'guild',
    guildOf: (member) => member.guild_id,
    handle: (ctx, { data, done }, runner) =>
      runner.memberLeft(data.user.id, new Date(ctx.now()), done),
  },
};
