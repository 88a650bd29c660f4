/** /invites link: the member's personal invite link (see ../personal-link.ts). */
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import type { Locale } from '../../../db/schema';
import { discordTime, text } from '../../i18n';
import type { LinkResult } from '../personal-link';
import { NO_PINGS, plain, type ReplyBody } from '../reply';
import { en, type Subcommand } from '../subcommand';

export const link: Subcommand = {
  definition: {
    type: ApplicationCommandOptionType.Subcommand,
    name: 'link',
    name_localizations: en('link'),
    description: 'Dein persönlicher Einladungslink: Beitritte darüber zählen für dich',
    description_localizations: en('Your personal invite link: joins through it count for you'),
  },
  ephemeral: true,
  run: async ({ registry, links, guildId, locale, userId, now }) => {
    const runner = registry.get(guildId);
    if (!runner?.state.isPrimed) return plain(locale, 'notReady');
    return renderLink(locale, await links.get(guildId, userId, runner.state.invites(now), now));
  },
};

export function renderLink(locale: Locale, result: LinkResult): ReplyBody {
  if (result.kind === 'noChannel') return plain(locale, 'linkNoChannel');
  if (result.kind === 'channelGone') return plain(locale, 'linkChannelGone');
  if (result.kind === 'noPermission') {
    return {
      content: text(locale, 'linkNoPermission', { channel: `<#${result.channelId}>` }),
      allowed_mentions: NO_PINGS,
    };
  }
  const limits = [
    result.maxUses > 0 ? text(locale, 'linkMaxUses', { n: result.maxUses }) : null,
    result.expiresAt !== null
      ? text(locale, 'linkExpires', { when: discordTime(result.expiresAt) })
      : null,
  ].filter((s): s is string => s !== null);
  return {
    content: [
      text(locale, result.reused ? 'linkExisting' : 'linkCreated', {
        url: `https://discord.gg/${result.code}`,
      }),
      text(locale, 'linkCredit'),
      ...limits,
    ].join('\n'),
    allowed_mentions: NO_PINGS,
  };
}
