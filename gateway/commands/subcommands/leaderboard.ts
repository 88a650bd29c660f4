/**
 * /invites rangliste [zeitraum]: the top 10 inviters of a period (7 or 30 days, this season — the
 * default — or all time) and the caller's own rank (public answer).
 */
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import type { LeaderboardRow } from '../../../db/queries/leaderboard';
import type { Locale } from '../../../db/schema';
import { DEFAULT_PERIOD, type LeaderboardPeriod } from '../../../db/shared/periods';
import { text, type TextKey } from '../../i18n';
import { NO_PINGS, type ReplyBody } from '../reply';
import { EMBED_COLOR, en, type Subcommand } from '../subcommand';
import { MalformedOptionError } from './who';

/** The option's values (what Discord sends) and the periods they mean. */
const CHOICES: { value: string; period: LeaderboardPeriod; de: string; en: string }[] = [
  { value: '7', period: '7d', de: 'Letzte 7 Tage', en: 'Last 7 days' },
  { value: '30', period: '30d', de: 'Letzte 30 Tage', en: 'Last 30 days' },
  { value: 'saison', period: 'season', de: 'Diese Saison', en: 'This season' },
  { value: 'gesamt', period: 'all', de: 'Gesamt', en: 'All time' },
];

const TITLES: Record<LeaderboardPeriod, TextKey> = {
  '7d': 'leaderboardTitle7d',
  '30d': 'leaderboardTitle30d',
  season: 'leaderboardTitle',
  all: 'leaderboardTitleAll',
};

export const leaderboard: Subcommand = {
  definition: {
    type: ApplicationCommandOptionType.Subcommand,
    name: 'rangliste',
    name_localizations: en('leaderboard'),
    description: 'Wer die meisten Mitglieder eingeladen hat',
    description_localizations: en('Who invited the most members'),
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: 'zeitraum',
        name_localizations: en('period'),
        description: 'Welcher Zeitraum (Standard: diese Saison)',
        description_localizations: en('Which period (default: this season)'),
        required: false,
        choices: CHOICES.map((c) => ({ name: c.de, name_localizations: en(c.en), value: c.value })),
      },
    ],
  },
  ephemeral: false,
  run: async ({ queries, guildId, userId, locale, options }) => {
    const raw = options?.find((o) => o.name === 'zeitraum')?.value;
    const choice = raw === undefined ? undefined : CHOICES.find((c) => c.value === raw);
    if (raw !== undefined && !choice) throw new MalformedOptionError('zeitraum');
    const period = choice?.period ?? DEFAULT_PERIOD;
    const [top, standing] = await Promise.all([
      queries.leaderboard(guildId, period),
      queries.standing(guildId, userId, period),
    ]);
    return renderLeaderboard(locale, top, userId, standing, period);
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
  period: LeaderboardPeriod = DEFAULT_PERIOD,
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
        title: text(locale, TITLES[period]),
        description: lines.join('\n'),
        color: EMBED_COLOR,
      },
    ],
    allowed_mentions: NO_PINGS,
  };
}
