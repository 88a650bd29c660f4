/**
 * /invites bonus <mitglied> <anzahl> <grund>: an admin gives (or takes, negative) invites to a
 * member. Discord cannot limit one subcommand to admins (default_member_permissions applies to the
 * whole /invites command, which members use too), so the permission is checked here, from the
 * permissions the interaction carries: a member without Manage Server (or Administrator) is
 * refused and nothing is stored. The interaction id makes a replayed interaction store nothing.
 */
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import type { InviterCounts } from '../../../db/queries/leaderboard';
import type { Locale } from '../../../db/schema';
import { BONUS_MAX, BONUS_REASON_MAX, checkBonus } from '../../../db/shared/bonus';
import { has, Permission } from '../../discord/permissions';
import { text } from '../../i18n';
import { NO_PINGS, type ReplyBody } from '../reply';
import { en, type Subcommand } from '../subcommand';
import { MalformedOptionError } from './who';

/** Manage Server, or Administrator (which Discord's computed permissions include all bits for). */
export function mayGiveBonus(permissions: bigint | null): boolean {
  if (permissions === null) return false;
  return has(permissions, Permission.ManageGuild) || has(permissions, Permission.Administrator);
}

export const bonus: Subcommand = {
  definition: {
    type: ApplicationCommandOptionType.Subcommand,
    name: 'bonus',
    name_localizations: en('bonus'),
    description: 'Bonus-Einladungen vergeben oder abziehen (nur mit „Server verwalten“)',
    description_localizations: en('Give or take bonus invites (Manage Server only)'),
    options: [
      {
        type: ApplicationCommandOptionType.User,
        name: 'mitglied',
        name_localizations: en('member'),
        description: 'Das Mitglied',
        description_localizations: en('The member'),
        required: true,
      },
      {
        type: ApplicationCommandOptionType.Integer,
        name: 'anzahl',
        name_localizations: en('amount'),
        description: 'Wie viele Einladungen (negativ zum Abziehen)',
        description_localizations: en('How many invites (negative to take away)'),
        required: true,
        min_value: -BONUS_MAX,
        max_value: BONUS_MAX,
      },
      {
        type: ApplicationCommandOptionType.String,
        name: 'grund',
        name_localizations: en('reason'),
        description: 'Warum (steht im Audit-Log)',
        description_localizations: en('Why (kept in the audit log)'),
        required: true,
        min_length: 1,
        max_length: BONUS_REASON_MAX,
      },
    ],
  },
  ephemeral: true,
  run: async ({ options, queries, guildId, userId, locale, interactionId, memberPermissions }) => {
    if (!mayGiveBonus(memberPermissions)) {
      return { content: text(locale, 'bonusNotAllowed'), allowed_mentions: NO_PINGS };
    }
    const value = (name: string) => options?.find((o) => o.name === name)?.value;
    const memberId = value('mitglied');
    if (typeof memberId !== 'string' || !/^\d{1,20}$/.test(memberId)) {
      throw new MalformedOptionError('mitglied');
    }
    const checked = checkBonus(value('anzahl'), value('grund'));
    if (!checked.ok) {
      const key = checked.errors[0] === 'amount' ? 'bonusInvalidAmount' : 'bonusInvalidReason';
      const max = key === 'bonusInvalidAmount' ? BONUS_MAX : BONUS_REASON_MAX;
      return { content: text(locale, key, { max }), allowed_mentions: NO_PINGS };
    }
    const { applied, counts } = await queries.giveBonus({
      guildId,
      memberId,
      ...checked.value,
      actorId: userId,
      requestId: `interaction:${interactionId}`,
      via: 'command',
    });
    if (!applied) return { content: text(locale, 'bonusRepeated'), allowed_mentions: NO_PINGS };
    return renderBonus(locale, memberId, checked.value, counts);
  },
};

export function renderBonus(
  locale: Locale,
  memberId: string,
  given: { amount: number; reason: string },
  counts: InviterCounts,
): ReplyBody {
  const n = Math.abs(given.amount);
  return {
    content: text(locale, given.amount > 0 ? 'bonusAdded' : 'bonusRemoved', {
      member: `<@${memberId}>`,
      amount: n,
      invitesWord: text(locale, n === 1 ? 'inviteOne' : 'inviteMany'),
      reason: given.reason,
      total: counts.total,
      bonus: counts.bonus,
    }),
    // The member is named as a mention for display; nobody is pinged, whatever the reason says.
    allowed_mentions: NO_PINGS,
  };
}
