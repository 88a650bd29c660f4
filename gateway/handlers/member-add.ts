/** GUILD_MEMBER_ADD: record the join at once, then let the guild's attribution decide it. */
import { joinKey } from '../guilds/guild-runner';
import { memberAddSchema } from '../discord/payloads';
import { rejectPayload, type Handler } from './context';

export const onMemberAdd: Handler = async (ctx, data, done) => {
  const parsed = memberAddSchema.safeParse(data);
  if (!parsed.success) {
    rejectPayload(ctx, 'GUILD_MEMBER_ADD', 'malformed', { issues: parsed.error.issues.length });
    return done();
  }
  const { guild_id: guildId, user, joined_at: joinedAt } = parsed.data;
  const receivedAt = ctx.now();
  const runner = await ctx.registry.resolve(guildId);
  if (!runner) {
    rejectPayload(ctx, 'GUILD_MEMBER_ADD', 'unknown_guild', { guildId });
    return done();
  }
  const key = joinKey(user.id, joinedAt);
  if (ctx.registry.wasDecided(guildId, key)) return done();
  ctx.users.remember(user);
  runner.memberJoined({ key, memberId: user.id, joinedAt, receivedAt }, user.bot === true, {
    record: true,
    onRecorded: done,
  });
};
