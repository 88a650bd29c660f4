/** GUILD_MEMBER_REMOVE (leave, kick or ban): close the member's open join. */
import { memberRemoveSchema } from '../discord/payloads';
import { rejectPayload, type Handler } from './context';

export const onMemberRemove: Handler = async (ctx, data, done) => {
  const parsed = memberRemoveSchema.safeParse(data);
  if (!parsed.success) {
    rejectPayload(ctx, 'GUILD_MEMBER_REMOVE', 'malformed');
    return done();
  }
  const runner = await ctx.registry.resolve(parsed.data.guild_id);
  if (!runner) {
    rejectPayload(ctx, 'GUILD_MEMBER_REMOVE', 'unknown_guild', { guildId: parsed.data.guild_id });
    return done();
  }
  runner.memberLeft(parsed.data.user.id, new Date(ctx.now()), done);
};
