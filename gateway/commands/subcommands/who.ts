/** /invites wer <mitglied>: who invited a member, or the honest outcome of their join. */
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import type { JoinCandidate, JoinOutcome, Locale } from '../../../db/schema';
import { reasonText } from '../../../db/shared/texts';
import { discordTime, text } from '../../i18n';
import { NO_PINGS, type ReplyBody } from '../reply';
import { en, type Subcommand } from '../subcommand';

export const who: Subcommand = {
  definition: {
    type: ApplicationCommandOptionType.Subcommand,
    name: 'wer',
    name_localizations: en('who'),
    description: 'Wer ein Mitglied eingeladen hat',
    description_localizations: en('Who invited a member'),
    options: [
      {
        type: ApplicationCommandOptionType.User,
        name: 'mitglied',
        name_localizations: en('member'),
        description: 'Das Mitglied',
        description_localizations: en('The member'),
        required: true,
      },
    ],
  },
  ephemeral: true,
  run: async ({ options, queries, guildId, locale }) => {
    const memberId = options?.find((o) => o.type === ApplicationCommandOptionType.User)?.value;
    if (typeof memberId !== 'string' || !/^\d{1,20}$/.test(memberId)) {
      throw new MalformedOptionError('mitglied');
    }
    return renderWho(locale, memberId, await queries.latestJoin(guildId, memberId));
  },
};

/** A subcommand option Discord should have validated is missing or malformed. */
export class MalformedOptionError extends Error {
  override name = 'MalformedOptionError';
}

export type JoinRecord = {
  outcome: JoinOutcome;
  reason: string | null;
  code: string | null;
  inviterId: string | null;
  candidates: JoinCandidate[] | null;
  joinedAt: Date;
  leftAt: Date | null;
};

export function renderWho(locale: Locale, memberId: string, join: JoinRecord | null): ReplyBody {
  const member = `<@${memberId}>`;
  if (!join) return { content: text(locale, 'whoNone', { member }), allowed_mentions: NO_PINGS };
  const when = discordTime(join.joinedAt.getTime(), 'f');
  let content: string;
  if (join.outcome === 'exact' && join.inviterId && join.code) {
    content = text(locale, 'whoExact', {
      member,
      inviter: `<@${join.inviterId}>`,
      code: join.code,
      when,
    });
  } else if (join.outcome === 'vanity' && join.code) {
    content = text(locale, 'whoVanity', { member, code: join.code, when });
  } else if (join.outcome === 'pending') {
    content = text(locale, 'whoPending', { member, when });
  } else {
    const shared = join.outcome === 'ambiguous' && join.inviterId;
    const reason = reasonText(
      locale,
      shared && join.reason === 'several_codes'
        ? 'several_codes_same_inviter'
        : (join.reason ?? 'no_use_changed'),
      {
        codes: (join.candidates ?? []).map((c) => c.code).join(', '),
        inviter: join.inviterId ? `<@${join.inviterId}>` : '',
        code: join.code ?? '',
      },
    );
    content = text(locale, 'whoUndecided', { member, when, reason });
  }
  if (join.leftAt)
    content += text(locale, 'whoLeft', { member, when: discordTime(join.leftAt.getTime(), 'f') });
  return { content, allowed_mentions: NO_PINGS };
}
