/** INVITE_CREATE / INVITE_DELETE: keep the guild's snapshot current (a delete leaves a tombstone). */
import { inviteCreateSchema, inviteDeleteSchema, inviteExpiry } from '../discord/payloads';
import { rejectPayload, type Handler } from './context';

export const onInviteCreate: Handler = async (ctx, data, done) => {
  const parsed = inviteCreateSchema.safeParse(data);
  if (!parsed.success) {
    rejectPayload(ctx, 'INVITE_CREATE', 'malformed');
    return done();
  }
  const invite = parsed.data;
  const runner = await ctx.registry.resolve(invite.guild_id);
  if (!runner) {
    rejectPayload(ctx, 'INVITE_CREATE', 'unknown_guild', { guildId: invite.guild_id });
    return done();
  }
  ctx.users.remember(invite.inviter);
  runner.inviteCreated(
    {
      code: invite.code,
      uses: invite.uses,
      maxUses: invite.max_uses,
      expiresAt: inviteExpiry(invite),
      inviterId: invite.inviter?.id ?? null,
      channelId: invite.channel_id ?? null,
      temporary: invite.temporary,
    },
    done,
  );
};

export const onInviteDelete: Handler = async (ctx, data, done) => {
  const parsed = inviteDeleteSchema.safeParse(data);
  if (!parsed.success) {
    rejectPayload(ctx, 'INVITE_DELETE', 'malformed');
    return done();
  }
  const runner = await ctx.registry.resolve(parsed.data.guild_id);
  if (!runner) {
    rejectPayload(ctx, 'INVITE_DELETE', 'unknown_guild', { guildId: parsed.data.guild_id });
    return done();
  }
  runner.inviteDeleted(parsed.data.code, done);
};
