/**
 * Routes gateway dispatches to their handlers, doing for every event what they have in common:
 * resume-point bookkeeping, payload validation (a malformed payload is counted and logged, never
 * trusted), the guild runner lookup, and containment (a failing handler is logged and counted, never
 * fatal).
 */
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import { EVENT_SCHEMAS, type EventName } from '../discord/payloads';
import type { SessionStore } from '../discord/session-store';
import {
  rejectPayload,
  type EventHandler,
  type EventHandlers,
  type HandlerContext,
} from './context';
import { guildHandlers } from './guilds';
import { inviteHandlers } from './invites';
import { memberHandlers } from './members';

export const HANDLERS: EventHandlers = { ...guildHandlers, ...memberHandlers, ...inviteHandlers };

export function createDispatcher(
  ctx: HandlerContext,
  sessions: SessionStore,
  handlers: EventHandlers,
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
    const event = payload.t as EventName;
    const handler = Object.hasOwn(handlers, event)
      ? (handlers[event] as EventHandler<unknown> | undefined)
      : undefined;
    if (!handler) return done();
    const fail = (error: unknown) => {
      ctx.metrics.badPayloads.inc({ event, problem: 'handler_error' });
      ctx.log.error({ err: error, event, shardId }, 'gateway event handler failed');
      done();
    };
    run(ctx, event, handler, payload.d, { receivedAt: ctx.now(), done }).catch(fail);
  };
}

async function run(
  ctx: HandlerContext,
  name: EventName,
  handler: EventHandler<unknown>,
  raw: unknown,
  { receivedAt, done }: { receivedAt: number; done: () => void },
): Promise<void> {
  const parsed = (handler.schema ?? EVENT_SCHEMAS[name]).safeParse(raw);
  if (!parsed.success) {
    rejectPayload(ctx, name, 'malformed', { issues: parsed.error.issues.length });
    done();
    await handler.onMalformed?.(ctx, raw);
    return;
  }
  const event = { data: parsed.data, receivedAt, done };
  if (handler.scope !== 'guild') return handler.handle(ctx, event);
  const guildId = handler.guildOf(parsed.data);
  const runner = await ctx.registry.resolve(guildId);
  if (!runner) {
    if (handler.unknownGuild !== 'ignore') rejectPayload(ctx, name, 'unknown_guild', { guildId });
    return done();
  }
  return handler.handle(ctx, event, runner);
}
