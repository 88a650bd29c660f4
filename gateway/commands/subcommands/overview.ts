/**
 * /invites uebersicht: the caller's active invite links with channel, uses and expiry, answered at once
 * from the in-memory invite snapshot (no REST call per command).
 */
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import type { Locale } from '../../../db/schema';
import type { InviteRecord } from '../../attribution/types';
import { discordTime, text } from '../../i18n';
import { NO_PINGS, plain, type ReplyBody } from '../reply';
import { EMBED_COLOR, en, type Subcommand } from '../subcommand';

const MAX_LINES = 20;

export const overview: Subcommand = {
  definition: {
    type: ApplicationCommandOptionType.Subcommand,
    name: 'uebersicht',
    name_localizations: en('overview'),
    description: 'Deine aktiven Einladungslinks mit ihren Nutzungen',
    description_localizations: en('Your active invite links with their uses'),
  },
  ephemeral: true,
  run: ({ registry, guildId, locale, userId, now }) => {
    const runner = registry.get(guildId);
    if (!runner?.state.isPrimed) return plain(locale, 'notReady');
    return renderOverview(locale, runner.state.invites(now), userId, now);
  },
};

export function renderOverview(
  locale: Locale,
  invites: readonly InviteRecord[],
  userId: string,
  now: number,
): ReplyBody {
  const mine = invites
    .filter(
      (i) =>
        i.inviterId === userId &&
        i.deletedAt === null &&
        (i.expiresAt === null || i.expiresAt > now) &&
        (i.maxUses === 0 || i.uses < i.maxUses),
    )
    .sort((a, b) => b.uses - a.uses || a.code.localeCompare(b.code));
  if (mine.length === 0) return plain(locale, 'overviewEmpty');
  const lines = mine.slice(0, MAX_LINES).map((invite) =>
    text(locale, 'overviewLine', {
      code: invite.code,
      channel: invite.channelId ? `<#${invite.channelId}>` : '—',
      uses:
        invite.maxUses > 0
          ? text(locale, 'overviewUsesOf', { uses: invite.uses, max: invite.maxUses })
          : invite.uses,
      expiry:
        (invite.expiresAt !== null
          ? text(locale, 'overviewExpires', { when: discordTime(invite.expiresAt) })
          : '') + (invite.temporary ? text(locale, 'overviewTemporary') : ''),
    }),
  );
  if (mine.length > MAX_LINES)
    lines.push(text(locale, 'overviewMore', { n: mine.length - MAX_LINES }));
  return {
    embeds: [
      {
        title: text(locale, 'overviewTitle'),
        description: lines.join('\n'),
        color: EMBED_COLOR,
        footer: { text: text(locale, 'overviewFooter') },
      },
    ],
    allowed_mentions: NO_PINGS,
  };
}
