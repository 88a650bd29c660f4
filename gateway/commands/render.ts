/** What the /invites subcommands answer, as Discord message bodies. Pure. */
import type { APIEmbed } from 'discord-api-types/v10';
import { reasonText } from '../../db/i18n';
import type { LeaderboardRow } from '../../db/queries/leaderboard';
import type { JoinCandidate, JoinOutcome, Locale } from '../../db/schema';
import type { InviteRecord } from '../attribution/types';
import { discordTime, text } from '../i18n';

/** Replies never ping anyone: mentions in them are for display. */
export const NO_PINGS = { parse: [] as [] };
const EMBED_COLOR = 0x5865f2;
const MAX_OVERVIEW_LINES = 20;

export type ReplyBody = {
  content?: string;
  embeds?: APIEmbed[];
  allowed_mentions: typeof NO_PINGS;
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
  if (mine.length === 0)
    return { content: text(locale, 'overviewEmpty'), allowed_mentions: NO_PINGS };
  const lines = mine.slice(0, MAX_OVERVIEW_LINES).map((invite) =>
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
  if (mine.length > MAX_OVERVIEW_LINES)
    lines.push(text(locale, 'overviewMore', { n: mine.length - MAX_OVERVIEW_LINES }));
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

type Standing = Pick<LeaderboardRow, 'rank' | 'invites' | 'leaves' | 'xp'>;

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
      leaves: row.leaves,
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
            leaves: standing.leaves,
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
