/** INVITE_CREATE / INVITE_DELETE: keep the guild's snapshot current (a delete leaves a tombstone). */
import { inviteExpiry } from '../discord/payloads';
import type { EventHandlers } from './context';

export const inviteHandlers: EventHandlers = {
  INVITE_CREATE: {
    scope: 'guild',
    guildOf: (invite) => invite.guild_id,
    handle: (ctx, { data: invite, done }, runner) => {
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
    },
  },
  INVITE_DELETE: {
    scope: 'guild',
    guildOf: (invite) => invite.guild_id,
    handle: (_ctx, { data: invite, done }, runner) => runner.inviteDeleted(invite.code, done),
  },
};
