/**
 * Answering an interaction within Discord's 3-second window: directly when the answer is ready within
 * `deferAfterMs`, else deferred (type 5) and edited in. If building the answer fails, the user still
 * gets a polite message.
 */
import type { API } from '@discordjs/core';
import { MessageFlags, type APIEmbed } from 'discord-api-types/v10';
import type { Locale } from '../../db/schema';
import type { Interaction } from '../discord/payloads';
import { withRetries } from '../discord/retry';
import { text, type TextKey } from '../i18n';
import type { Metrics } from '../ops/metrics';

/** Replies never ping anyone: mentions in them are for display. */
export const NO_PINGS = { parse: [] as [] };

export type ReplyBody = {
  content?: string;
  embeds?: APIEmbed[];
  allowed_mentions: typeof NO_PINGS;
};

/** A reply that is only a text of ours. */
export function plain(locale: Locale, key: TextKey): ReplyBody {
  return { content: text(locale, key), allowed_mentions: NO_PINGS };
}

export type ReplyDeps = { api: API; metrics: Metrics; deferAfterMs: number };

export type Reply = {
  interaction: Pick<Interaction, 'id' | 'token' | 'application_id'>;
  locale: Locale;
  ephemeral: boolean;
  /** The answer; may take a while (database). */
  body: () => ReplyBody | Promise<ReplyBody>;
  /** For the metrics. */
  command: string;
};

/** Discord gives 3 seconds to answer: one quick second try after a 5xx or network error. */
const oneRetry = <T>(task: () => Promise<T>) =>
  withRetries(task, { attempts: 2, baseMs: 200, capMs: 200 });

export async function reply(deps: ReplyDeps, options: Reply): Promise<void> {
  const { interaction, locale, command } = options;
  const flags = options.ephemeral ? MessageFlags.Ephemeral : undefined;
  const outcome = Promise.resolve()
    .then(options.body)
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
    await oneRetry(() =>
      deps.api.interactions.defer(interaction.id, interaction.token, flags ? { flags } : {}),
    );
    const { body, failed } = await outcome;
    await oneRetry(() =>
      deps.api.interactions.editReply(interaction.application_id, interaction.token, body),
    );
    deps.metrics.commands.inc({ command, result: failed ? 'error' : 'deferred' });
    return;
  }
  await oneRetry(() =>
    deps.api.interactions.reply(interaction.id, interaction.token, {
      ...first.body,
      ...(flags ? { flags } : {}),
    }),
  );
  deps.metrics.commands.inc({ command, result: first.failed ? 'error' : 'ok' });
}
