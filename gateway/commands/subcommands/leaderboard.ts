/** /invites rangliste: the top 10 inviters and the caller's own rank (public answer). */
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import type { LeaderboardRow } from '../../../db/queries/leaderboard';
import type { Locale } from '../../../db/schema';
import { text } from '../../i18n';
import { NO_PINGS, type ReplyBody } from '../reply';
import { EMBED_COLOR, en, type Subcommand } from '../subcommand';

export const leaderboard: Subcommand = {
  definition: {
    type: ApplicationCommandOptionType.Subcommand,
    name: 'rangliste',
    name_localizations: en('leaderboard'),
    description: 'Wer die meisten Mitglieder eingeladen hat',
    description_localizations: en('Who invited the most members'),
  },
  ephemeral: false,
  run: async ({ queries, guildId, userId, locale }) => {
    const [top, standing] = await Promise.all([
      queries.leaderboard(guildId),
      queries.standing(guildId, userId),
    ]);
    return renderLeaderboard(locale, top, userId, standing);
  },
};

type Standing = Pick<
  LeaderboardRow,
  'rank' | 'invites' | 'regular' | 'leaves' | 'fake' | 'bonus' | 'xp'
>;

export function renderLeaderboard(
  locale: Locale,
  top: readonly LeaderboardRow[],
  callerId: string,
  standing: Standing | null,
): ReplyBody {
  const word = (n: number) => text(locale, n === 1 ? 'inviteOne' : 'inviteMany');
  const lines = top.map((row) =>
    text(locale, 'leaderboardLine', {
      rank: row.rank,
      user: `<@${row.inviterId}>`,
      invites: row.invites,
      invitesWord: word(row.invites),
      regular: row.regular,
      leaves: row.leaves,
      fake: row.fake,
      bonus: row.bonus,
      xp: row.xp,
    }),
  );
  if (lines.length === 0) lines.push(text(locale, 'leaderboardEmpty'));
  const callerShown = top.some((row) => row.inviterId === callerId);
  if (!callerShown) {
    lines.push(
      '',
      standing
        ? text(locale, 'leaderboardYou', {
            rank: standing.rank,
            invites: standing.invites,
            invitesWord: word(standing.invites),
            regular: standing.regular,
            leaves: standing.leaves,
            fake: standing.fake,
            bonus: standing.bonus,
            xp: standing.xp,
          })
        : text(locale, 'leaderboardYouNone'),
    );
  }
  return {
    embeds: [
      {
        title: text(locale, 'leaderboardTitle'),
        description: lines.join('\n'),
        color: EMBED_COLOR,
      },
    ],
    allowed_mentions: NO_PINGS,
  };
}
