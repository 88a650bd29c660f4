/**
 * INTERACTION_CREATE for /invites: pick the reply language (the user's, else the server's, else
 * German), find the subcommand by name and answer within Discord's 3-second window (reply.ts). A
 * malformed interaction that still has an id and token gets a polite answer.
 */
import type { API } from '@discordjs/core';
import { InteractionType } from 'discord-api-types/v10';
import { interactionSchema, type Interaction } from '../discord/payloads';
import type { GuildRegistry } from '../guilds/registry';
import type { EventHandler, HandlerContext } from '../handlers/context';
import { rejectPayload } from '../handlers/context';
import { pickLocale } from '../i18n';
import type { Metrics } from '../ops/metrics';
import { COMMAND_NAME, SUBCOMMANDS } from './definitions';
import type { PersonalLinks } from './personal-link';
import type { CommandQueries } from './queries';
import { plain, reply, type ReplyDeps } from './reply';
import { MalformedOptionError } from './subcommands/who';

/** Enough of an interaction to answer it: a real id and token (never an odd token in a URL). */
const answerable = interactionSchema.pick({ id: true, token: true, application_id: true });

export type InteractionDeps = {
  api: API;
  registry: GuildRegistry;
  metrics: Metrics;
  queries: CommandQueries;
  links: Pick<PersonalLinks, 'get'>;
  now: () => number;
  deferAfterMs: number;
};

export function createInteractionHandler(deps: InteractionDeps): EventHandler<Interaction> {
  const replyDeps: ReplyDeps = deps;
  return {
    scope: 'event',
    onMalformed: async (_ctx, raw) => {
      // Without a usable id and token there is nobody to answer.
      const partial = answerable.safeParse(raw);
      if (partial.success) {
        await reply(replyDeps, {
          interaction: partial.data,
          locale: 'de',
          ephemeral: true,
          body: () => plain('de', 'failed'),
          command: 'malformed',
        }).catch(() => {});
      }
    },
    handle: async (ctx, { data: interaction, done }) => {
      // Interactions change nothing we store: never hold the gateway's resume point for them.
      done();
      if (interaction.type !== InteractionType.ApplicationCommand) return;
      await answer(ctx, deps, replyDeps, interaction).catch((error: unknown) => {
        ctx.log.warn({ err: error, command: labelOf(interaction) }, 'could not answer a command');
      });
    },
  };
}

function labelOf(interaction: Interaction): string {
  return `${interaction.data?.name ?? '?'} ${interaction.data?.options?.[0]?.name ?? '?'}`;
}

async function answer(
  ctx: HandlerContext,
  deps: InteractionDeps,
  replyDeps: ReplyDeps,
  interaction: Interaction,
): Promise<void> {
  const locale = pickLocale(interaction.locale, interaction.guild_locale);
  const option = interaction.data?.options?.[0];
  const user = interaction.member?.user ?? interaction.user;
  const userId = user?.id;
  if (user?.username !== undefined) ctx.users.remember({ ...user, username: user.username });
  const sub = option ? SUBCOMMANDS.get(option.name) : undefined;
  const base = { interaction, locale, ephemeral: true };
  if (interaction.data?.name !== COMMAND_NAME || !option || !sub || !userId) {
    rejectPayload(ctx, 'INTERACTION_CREATE', 'unknown_command', { command: labelOf(interaction) });
    return reply(replyDeps, {
      ...base,
      body: () => plain(locale, 'unknownCommand'),
      command: 'unknown',
    });
  }
  const guildId = interaction.guild_id;
  if (!guildId) {
    return reply(replyDeps, {
      ...base,
      body: () => plain(locale, 'guildOnly'),
      command: option.name,
    });
  }
  await reply(replyDeps, {
    ...base,
    ephemeral: sub.ephemeral,
    command: option.name,
    body: async () => {
      try {
        return await sub.run({
          locale,
          guildId,
          userId,
          interactionId: interaction.id,
          memberPermissions:
            interaction.member?.permissions === undefined
              ? null
              : BigInt(interaction.member.permissions),
          options: option.options,
          registry: deps.registry,
          queries: deps.queries,
          links: deps.links,
          now: deps.now(),
        });
      } catch (error) {
        if (error instanceof MalformedOptionError) {
          rejectPayload(ctx, 'INTERACTION_CREATE', 'malformed', { command: labelOf(interaction) });
        }
        throw error;
      }
    },
  });
}
