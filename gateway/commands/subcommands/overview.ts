/**
 * /invites uebersicht: a short line with the caller's counters (one indexed read of inviter_stats)
 * and their next reward tier, then their active invite links (their own and their personal links)
 * with channel, uses and expiry from the in-memory invite snapshot (no REST call per command).
 * The tier's role is a mention that pings nobody (allowed_mentions without roles).
 */
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { nextTier } from '../../../db/shared/reward-roles';
import type { OverviewData } from '../queries';
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
  run: async ({ registry, queries, guildId, locale, userId, now }) => {
    const runner = registry.get(guildId);
    if (!runner?.state.isPrimed) return plain(locale, 'notReady');
    const data = await queries.overview(guildId, userId);
    return renderOverview(locale, runner.state.invites(now), userId, now, data);
  },
};

export function renderOverview(
  locale: Locale,
  invites: readonly InviteRecord[],
  userId: string,
  now: number,
  { counts, tiers, personalCodes }: OverviewData,
): ReplyBody {
  const personal = new Set(personalCodes);
  const mine = invites
    .filter(
      (i) =>
        (i.inviterId === userId || personal.has(i.code)) &&
        i.deletedAt === null &&
        (i.expiresAt === null || i.expiresAt > now) &&
        (i.maxUses === 0 || i.uses < i.maxUses),
    )
    .sort((a, b) => b.uses - a.uses || a.code.localeCompare(b.code));
  const counted = Object.values(counts).some((n) => n !== 0);
  if (mine.length === 0 && !counted) return plain(locale, 'overviewEmpty');
  const stats =
    text(locale, 'overviewStats', {
      ...counts,
      invitesWord: text(locale, counts.total === 1 ? 'inviteOne' : 'inviteMany'),
    }) + (counts.pending > 0 ? text(locale, 'overviewStatsPending', counts) : '');
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
          : '') +
        (invite.temporary ? text(locale, 'overviewTemporary') : '') +
        (personal.has(invite.code) ? text(locale, 'overviewPersonal') : ''),
    }),
  );
  if (mine.length > MAX_LINES)
    lines.push(text(locale, 'overviewMore', { n: mine.length - MAX_LINES }));
  if (mine.length === 0) lines.push(text(locale, 'overviewNoLinks'));
  const next = nextTier(counts.total, tiers);
  const top = [...tiers].sort((a, b) => b.invites - a.invites)[0];
  const tierLine = next
    ? text(locale, 'overviewNextTier', {
        n: next.invites - counts.total,
        role: `<@&${next.roleId}>`,
      })
    : top && counts.total >= top.invites
      ? text(locale, 'overviewTopTier', { role: `<@&${top.roleId}>` })
      : null;
  lines.unshift(...(tierLine ? [stats, tierLine, ''] : [stats, '']));
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
