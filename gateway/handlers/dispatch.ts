/** Routes gateway dispatches to their handlers; a failing handler is logged and counted, never fatal. */
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import type { SessionStore } from '../discord/session-store';
import type { Handler, HandlerContext } from './context';
import { onGuildCreate, onGuildDelete, onGuildUpdate } from './guilds';
import { onInviteCreate, onInviteDelete } from './invites';
import { onMemberAdd } from './member-add';
import { onMemberRemove } from './member-remove';

export const HANDLERS: Partial<Record<string, Handler>> = {
  GUILD_CREATE: onGuildCreate,
  GUILD_UPDATE: onGuildUpdate,
  GUILD_DELETE: onGuildDelete,
  GUILD_MEMBER_ADD: onMemberAdd,
  GUILD_MEMBER_REMOVE: onMemberRemove,
  INVITE_CREATE: onInviteCreate,
  INVITE_DELETE: onInviteDelete,
};

export function createDispatcher(
  ctx: HandlerContext,
  sessions: SessionStore,
  handlers: Partial<Record<string, Handler>> = HANDLERS,
) {
  return (payload: GatewayDispatchPayload, shardId: number): void => {
    const finish = sessions.begin(shardId, payload.s);
    let finished = false;
    const done = () => {
      if (!finished) {
        finished = true;
        finish();
      }
    };
    const handler = handlers[payload.t];
    if (!handler) return done();
    const fail = (error: unknown) => {
      ctx.metrics.badPayloads.inc({ event: payload.t, problem: 'handler_error' });
      ctx.log.error({ err: error, event: payload.t, shardId }, 'gateway event handler failed');
      done();
    };
    try {
      const result = handler(ctx, payload.d, done);
      if (result) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}
