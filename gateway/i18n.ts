/** Texts the gateway writes itself (beyond the admin's templates and db/i18n.ts reasons), de and en. */
import type { Locale } from '../db/schema';

/** The last line of a combined invite-log message during a burst of joins. */
export function moreJoinsLine(locale: Locale, count: number): string {
  if (locale === 'en') {
    return `… and ${count} more ${count === 1 ? 'join' : 'joins'} (see the dashboard's join history)`;
  }
  return `… und ${count} weitere ${count === 1 ? 'Beitritt' : 'Beitritte'} (siehe Beitrittsverlauf im Dashboard)`;
}

const de = {
  overviewTitle: 'Deine Einladungslinks',
  overviewEmpty:
    'Du hast in diesem Server keine aktiven Einladungslinks. Erstelle einen über den Servernamen → „Leute einladen“ (oder Rechtsklick auf einen Kanal → „Leute einladen“), dann erscheint er hier.',
  overviewLine: '`{code}` · {channel} · {uses} Nutzungen{expiry}',
  overviewUsesOf: '{uses} von {max}',
  overviewExpires: ' · läuft ab {when}',
  overviewTemporary: ' · temporär',
  overviewMore: '… und {n} weitere',
  overviewFooter: 'Stand der letzten Abfrage bei Discord',
  overviewStats:
    '**{total}** {invitesWord} insgesamt · {regular} regulär · {left} verlassen · {fake} Fake · {bonus} Bonus',
  overviewStatsPending: ' · {pending} warten noch auf die Belohnung',
  overviewNoLinks: 'Du hast gerade keine aktiven Einladungslinks.',
  notReady:
    'Die Einladungen dieses Servers werden gerade geladen. Versuch es in ein paar Sekunden noch einmal.',
  guildOnly: 'Dieser Befehl funktioniert nur in einem Server.',
  leaderboardTitle: 'Rangliste dieser Saison: wer die meisten Mitglieder eingeladen hat',
  leaderboardTitle7d: 'Rangliste der letzten 7 Tage',
  leaderboardTitle30d: 'Rangliste der letzten 30 Tage',
  leaderboardTitleAll: 'Rangliste aller Zeiten',
  leaderboardEmpty: 'Noch hat niemand jemanden eingeladen. Sei die erste Person!',
  leaderboardLine:
    '**{rank}.** {user} — {invites} {invitesWord} ({regular} regulär, {leaves} verlassen, {fake} Fake, {bonus} Bonus, {xp} XP)',
  leaderboardYou:
    'Dein Platz: **{rank}.** — {invites} {invitesWord} ({regular} regulär, {leaves} verlassen, {fake} Fake, {bonus} Bonus, {xp} XP)',
  leaderboardYouNone: 'Du hast noch niemanden eingeladen, der noch im Server ist.',
  inviteOne: 'Einladung',
  inviteMany: 'Einladungen',
  whoExact: '{member} wurde {when} von {inviter} über `{code}` eingeladen.',
  whoVanity: '{member} ist {when} über die Vanity-URL `{code}` beigetreten.',
  whoUndecided: '{member} ist {when} beigetreten; {reason}.',
  whoNone:
    'Für {member} ist kein Beitritt aufgezeichnet (vermutlich beigetreten, bevor der Bot im Server war).',
  whoLeft: ' {member} hat den Server {when} wieder verlassen.',
  whoPending: '{member} ist {when} beigetreten; die Einladung wird gerade zugeordnet.',
  failed: 'Das hat leider nicht geklappt. Versuch es gleich noch einmal.',
  unknownCommand: 'Diesen Befehl kenne ich nicht (mehr). Versuch `/invites uebersicht`.',
  linkCreated: 'Dein persönlicher Einladungslink: {url}',
  linkExisting: 'Dein persönlicher Einladungslink (weiterhin gültig): {url}',
  linkCredit: 'Wer über diesen Link beitritt, zählt als von dir eingeladen.',
  linkMaxUses: 'Nutzbar: höchstens {n}-mal.',
  linkExpires: 'Läuft ab {when}.',
  linkNoChannel:
    'Persönliche Einladungslinks sind in diesem Server nicht eingerichtet: ein Admin wählt dafür im Dashboard unter „Belohnungen“ einen Kanal.',
  linkNoPermission:
    'Ich darf in {channel} keine Einladungen erstellen (es fehlt die Berechtigung „Einladung erstellen“). Bitte sag einem Admin Bescheid.',
  linkChannelGone:
    'Den Kanal für persönliche Einladungslinks gibt es nicht mehr. Bitte sag einem Admin Bescheid.',
  overviewPersonal: ' · dein persönlicher Link',
  overviewNextTier: 'Noch **{n}** bis {role}.',
  overviewTopTier: 'Du hast die höchste Belohnungsstufe erreicht: {role}.',
  bonusNotAllowed:
    'Bonus-Einladungen dürfen nur Mitglieder mit der Berechtigung „Server verwalten“ vergeben.',
  bonusInvalidAmount: 'Die Anzahl muss eine ganze Zahl zwischen -{max} und {max} sein (nicht 0).',
  bonusInvalidReason: 'Bitte gib einen Grund an (höchstens {max} Zeichen).',
  bonusAdded:
    '{member} hat {amount} Bonus-{invitesWord} bekommen. Grund: {reason}\nJetzt insgesamt: **{total}** ({bonus} Bonus).',
  bonusRemoved:
    '{member} wurden {amount} {invitesWord} abgezogen. Grund: {reason}\nJetzt insgesamt: **{total}** ({bonus} Bonus).',
  bonusRepeated: 'Dieser Bonus war schon gespeichert; nichts wurde doppelt gezählt.',
} as const;

export type TextKey = keyof typeof de;

const en: Record<TextKey, string> = {
  overviewTitle: 'Your invite links',
  overviewEmpty:
    'You have no active invite links in this server. Create one from the server name → "Invite People" (or right-click a channel → "Invite People") and it will show up here.',
  overviewLine: '`{code}` · {channel} · {uses} uses{expiry}',
  overviewUsesOf: '{uses} of {max}',
  overviewExpires: ' · expires {when}',
  overviewTemporary: ' · temporary',
  overviewMore: '… and {n} more',
  overviewFooter: 'As of the last check with Discord',
  overviewStats:
    '**{total}** {invitesWord} in total · {regular} regular · {left} left · {fake} fake · {bonus} bonus',
  overviewStatsPending: ' · {pending} still waiting for the reward',
  overviewNoLinks: 'You have no active invite links right now.',
  notReady: "This server's invites are being loaded. Try again in a few seconds.",
  guildOnly: 'This command only works in a server.',
  leaderboardTitle: 'Leaderboard of this season: who invited the most members',
  leaderboardTitle7d: 'Leaderboard of the last 7 days',
  leaderboardTitle30d: 'Leaderboard of the last 30 days',
  leaderboardTitleAll: 'All-time leaderboard',
  leaderboardEmpty: 'Nobody has invited anyone yet. Be the first!',
  leaderboardLine:
    '**{rank}.** {user} — {invites} {invitesWord} ({regular} regular, {leaves} left, {fake} fake, {bonus} bonus, {xp} XP)',
  leaderboardYou:
    'Your rank: **{rank}.** — {invites} {invitesWord} ({regular} regular, {leaves} left, {fake} fake, {bonus} bonus, {xp} XP)',
  leaderboardYouNone: 'You have not invited anyone who is still in the server.',
  inviteOne: 'invite',
  inviteMany: 'invites',
  whoExact: '{member} was invited by {inviter} through `{code}` {when}.',
  whoVanity: '{member} joined through the vanity URL `{code}` {when}.',
  whoUndecided: '{member} joined {when}; {reason}.',
  whoNone: 'No join is recorded for {member} (probably joined before the bot was in the server).',
  whoLeft: ' {member} left the server again {when}.',
  whoPending: '{member} joined {when}; the invite is being attributed.',
  failed: 'Sorry, that did not work. Please try again in a moment.',
  unknownCommand: "I don't know this command (any more). Try `/invites overview`.",
  linkCreated: 'Your personal invite link: {url}',
  linkExisting: 'Your personal invite link (still valid): {url}',
  linkCredit: 'Whoever joins through this link counts as invited by you.',
  linkMaxUses: 'Usable at most {n} times.',
  linkExpires: 'Expires {when}.',
  linkNoChannel:
    'Personal invite links are not set up in this server: an admin chooses a channel for them in the dashboard under "Rewards".',
  linkNoPermission:
    'I may not create invites in {channel} (the "Create Invite" permission is missing). Please tell an admin.',
  linkChannelGone: 'The channel for personal invite links no longer exists. Please tell an admin.',
  overviewPersonal: ' · your personal link',
  overviewNextTier: '**{n}** more to {role}.',
  overviewTopTier: 'You reached the highest reward tier: {role}.',
  bonusNotAllowed: 'Only members with the Manage Server permission can give bonus invites.',
  bonusInvalidAmount: 'The number must be a whole number between -{max} and {max} (not 0).',
  bonusInvalidReason: 'Please give a reason (at most {max} characters).',
  bonusAdded:
    '{member} got {amount} bonus {invitesWord}. Reason: {reason}\nTotal now: **{total}** ({bonus} bonus).',
  bonusRemoved:
    '{member} lost {amount} {invitesWord}. Reason: {reason}\nTotal now: **{total}** ({bonus} bonus).',
  bonusRepeated: 'This bonus was stored already; nothing was counted twice.',
};

const MESSAGES: Record<Locale, Record<TextKey, string>> = { de, en };

/** A gateway text with `{placeholders}` filled. */
export function text(
  locale: Locale,
  key: TextKey,
  values: Record<string, string | number> = {},
): string {
  return MESSAGES[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? String(values[name]) : whole,
  );
}

/** Discord's timestamp markup: shown in each reader's own time zone and language. */
export function discordTime(ms: number, style: 'R' | 'f' | 'D' = 'R'): string {
  return `<t:${Math.floor(ms / 1000)}:${style}>`;
}

/**
 * The language of a reply: the user's client language when we speak it, else the server's
 * language, else German.
 */
export function pickLocale(...candidates: (string | null | undefined)[]): Locale {
  for (const candidate of candidates) {
    if (candidate?.startsWith('de')) return 'de';
    if (candidate?.startsWith('en')) return 'en';
  }
  return 'de';
}
