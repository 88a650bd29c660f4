/**
 * INTERACTION_CREATE for /invites: validate, pick the reply language, answer within Discord's
 * 3-second window. /invites uebersicht answers at once from the in-memory invite snapshot (no REST
 * call per command). Answers that need the database are deferred (type 5) when the database takes
 * longer than `deferAfterMs`, then edited in; a failure still gets a polite reply.
 */
import type { API } from '@discordjs/core';
import { InteractionType, MessageFlags } from 'discord-api-types/v10';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { latestJoinOf } from '../../db/queries/joins';
import { getInviterStanding, getLeaderboard } from '../../db/queries/leaderboard';
import type { Locale } from '../../db/schema';
import type { GuildRegistry } from '../guilds/registry';
import type { Handler } from '../handlers/context';
import { rejectPayload } from '../handlers/context';
import { pickLocale, text } from '../i18n';
import type { Metrics } from '../ops/metrics';
import { COMMAND_NAME, SUBCOMMANDS } from './definitions';
import { NO_PINGS, renderLeaderboard, renderOverview, renderWho, type ReplyBody } from './render';

const snowflake = z.string().regex(/^\d{1,20}$/);
const option = z.object({ name: z.string(), type: z.number(), value: z.unknown().optional() });
const interactionSchema = z.object({
  id: snowflake,
  application_id: snowflake,
  type: z.number(),
  token: z.string().min(1),
  guild_id: snowflake.optional(),
  locale: z.string().optional(),
  guild_locale: z.string().optional(),
  member: z.object({ user: z.object({ id: snowflake }) }).optional(),
  user: z.object({ id: snowflake }).optional(),
  data: z
    .object({
      name: z.string(),
      options: z.array(option.extend({ options: z.array(option).optional() })).optional(),
    })
    .optional(),
});

type Interaction = z.infer<typeof interactionSchema>;

/** The queries the commands need; replaceable in tests (e.g. by slow ones). */
export type CommandQueries = {
  leaderboard: (guildId: string) => ReturnType<typeof getLeaderboard>;
  standing: (guildId: string, userId: string) => ReturnType<typeof getInviterStanding>;
  latestJoin: (guildId: string, memberId: string) => ReturnType<typeof latestJoinOf>;
};

export function dbCommandQueries(db: Db): CommandQueries {
  return {
    leaderboard: (guildId) => getLeaderboard(db, guildId, { limit: 10 }),
    standing: (guildId, userId) => getInviterStanding(db, guildId, userId),
    latestJoin: (guildId, memberId) => latestJoinOf(db, guildId, memberId),
  };
}

export type InteractionDeps = {
  api: API;
  registry: GuildRegistry;
  metrics: Metrics;
  queries: CommandQueries;
  now: () => number;
  deferAfterMs: number;
};

export function createInteractionHandler(deps: InteractionDeps): Handler {
  return async (ctx, data, done) => {
    // Interactions change nothing we store: never hold the gateway's resume point for them.
    done();
    const parsed = interactionSchema.safeParse(data);
    if (!parsed.success) {
      rejectPayload(ctx, 'INTERACTION_CREATE', 'malformed');
      // Without id and token there is nobody to answer; with them, answer politely.
      const partial = data as Partial<Interaction> | null;
      if (partial && typeof partial.id === 'string' && typeof partial.token === 'string') {
        await reply(
          deps,
          partial as Interaction,
          'de',
          true,
          () => ({ content: text('de', 'failed'), allowed_mentions: NO_PINGS }),
          'malformed',
        ).catch(() => {});
      }
      return;
    }
    const interaction = parsed.data;
    if (interaction.type !== InteractionType.ApplicationCommand) return;
    const locale = pickLocale(interaction.locale, interaction.guild_locale);
    const sub = interaction.data?.options?.[0];
    const userId = interaction.member?.user.id ?? interaction.user?.id;
    const label = `${interaction.data?.name ?? '?'} ${sub?.name ?? '?'}`;
    try {
      if (interaction.data?.name !== COMMAND_NAME || !sub || !userId) {
        rejectPayload(ctx, 'INTERACTION_CREATE', 'unknown_command', { command: label });
        return await reply(
          deps,
          interaction,
          locale,
          true,
          () => plain(locale, 'unknownCommand'),
          'unknown',
        );
      }
      const guildId = interaction.guild_id;
      if (!guildId)
        return await reply(
          deps,
          interaction,
          locale,
          true,
          () => plain(locale, 'guildOnly'),
          sub.name,
        );
      switch (sub.name) {
        case SUBCOMMANDS.overview: {
          const runner = deps.registry.get(guildId);
          if (!runner?.state.isPrimed)
            return await reply(
              deps,
              interaction,
              locale,
              true,
              () => plain(locale, 'notReady'),
              sub.name,
            );
          const invites = runner.state.invites(deps.now());
          return await reply(
            deps,
            interaction,
            locale,
            true,
            () => renderOverview(locale, invites, userId, deps.now()),
            sub.name,
          );
        }
        case SUBCOMMANDS.leaderboard:
          return await reply(
            deps,
            interaction,
            locale,
            false,
            async () => {
              const [top, standing] = await Promise.all([
                deps.queries.leaderboard(guildId),
                deps.queries.standing(guildId, userId),
              ]);
              return renderLeaderboard(locale, top, userId, standing);
            },
            sub.name,
          );
        case SUBCOMMANDS.who: {
          const memberId = sub.options?.find((o) => o.type === 6)?.value;
          if (typeof memberId !== 'string' || !/^\d{1,20}$/.test(memberId)) {
            rejectPayload(ctx, 'INTERACTION_CREATE', 'malformed', { command: label });
            return await reply(
              deps,
              interaction,
              locale,
              true,
              () => plain(locale, 'failed'),
              sub.name,
            );
          }
          return await reply(
            deps,
            interaction,
            locale,
            true,
            async () =>
              renderWho(locale, memberId, await deps.queries.latestJoin(guildId, memberId)),
            sub.name,
          );
        }
        default:
          rejectPayload(ctx, 'INTERACTION_CREATE', 'unknown_command', { command: label });
          return await reply(
            deps,
            interaction,
            locale,
            true,
            () => plain(locale, 'unknownCommand'),
            'unknown',
          );
      }
    } catch (error) {
      deps.metrics.commands.inc({ command: sub?.name ?? 'unknown', result: 'error' });
      ctx.log.warn({ err: error, command: label }, 'could not answer a command');
    }
  };
}

function plain(locale: Locale, key: Parameters<typeof text>[1]): ReplyBody {
  return { content: text(locale, key), allowed_mentions: NO_PINGS };
}

/**
 * Answers with `work`'s body: directly when it is ready within `deferAfterMs`, else defers first
 * and edits the answer in. If `work` fails, the user still gets a polite message.
 */
async function reply(
  deps: InteractionDeps,
  interaction: Pick<Interaction, 'id' | 'token' | 'application_id'>,
  locale: Locale,
  ephemeral: boolean,
  work: () => ReplyBody | Promise<ReplyBody>,
  command: string,
): Promise<void> {
  const flags = ephemeral ? MessageFlags.Ephemeral : undefined;
  const outcome = Promise.resolve()
    .then(work)
    .then(
      (body) => ({ body, failed: false }),
      () => ({ body: plain(locale, 'failed'), failed: true }),
    );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), deps.deferAfterMs);
  });
  const first = await Promise.race([outcome, late]);
  clearTimeout(timer);
  if (first === 'late') {
    await deps.api.interactions.defer(interaction.id, interaction.token, flags ? { flags } : {});
    const { body, failed } = await outcome;
    await deps.api.interactions.editReply(interaction.application_id, interaction.token, body);
    deps.metrics.commands.inc({ command, result: failed ? 'error' : 'deferred' });
    return;
  }
  await deps.api.interactions.reply(interaction.id, interaction.token, {
    ...first.body,
    ...(flags ? { flags } : {}),
  });
  deps.metrics.commands.inc({ command, result: first.failed ? 'error' : 'ok' });
}
