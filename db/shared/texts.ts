/**
 * Texts for join outcomes and reasons, in every supported language. Shared by the gateway (invite
 * log lines for undecided joins, /invites wer) and the dashboard (join history). Placeholders:
 * {codes} (candidate codes), {inviter} (a mention), {code}.
 */
import type { FakeFlag, JoinOutcome, Locale } from '../schema';

export const OUTCOME_LABELS: Record<Locale, Record<JoinOutcome, string>> = {
  de: {
    pending: 'wird zugeordnet',
    exact: 'eindeutig',
    ambiguous: 'nicht eindeutig',
    vanity: 'Vanity-URL',
    bot: 'Bot',
    unknown: 'unbekannt',
    no_permission: 'keine Berechtigung',
    downtime: 'Bot offline',
  },
  en: {
    pending: 'being attributed',
    exact: 'exact',
    ambiguous: 'ambiguous',
    vanity: 'vanity URL',
    bot: 'bot',
    unknown: 'unknown',
    no_permission: 'no permission',
    downtime: 'bot offline',
  },
};

export const REASON_TEXTS: Record<Locale, Record<string, string>> = {
  de: {
    single_code: 'nur die Nutzungen von {code} sind gestiegen',
    max_uses_consumed: 'der Code {code} wurde aufgebraucht (laut Audit-Log nicht gelöscht)',
    vanity_url: 'über die Vanity-URL discord.gg/{code}',
    bot_account: 'ein Bot, per OAuth hinzugefügt',
    several_codes: 'die Einladung ist nicht eindeutig (mögliche Codes: {codes})',
    several_codes_same_inviter:
      'eingeladen von {inviter}, aber über einen von mehreren Codes ({codes})',
    fewer_uses_than_joins:
      'die Einladung ist nicht eindeutig: gleichzeitig sind mehr Mitglieder beigetreten, als Einladungen genutzt wurden (mögliche Codes: {codes})',
    more_uses_than_joins:
      'die Einladung ist nicht eindeutig: es wurden mehr Einladungen genutzt, als Mitglieder beigetreten sind (mögliche Codes: {codes})',
    vanished_unconfirmed:
      'vermutlich über den aufgebrauchten Code {codes}; ohne die Berechtigung „Audit-Log anzeigen“ lässt sich das nicht bestätigen',
    burst_unsettled:
      'während eines Beitritts-Ansturms lässt sich die Einladung nicht zuordnen (mögliche Codes: {codes})',
    no_use_changed:
      'keine gezählte Einladungsnutzung passt zu diesem Beitritt (vielleicht über die Servererkundung, eine App oder eine Beitrittsanfrage)',
    not_primed: 'die Einladungen dieses Servers waren noch nicht geladen',
    fetch_failed: 'Discord war nicht erreichbar, die Einladung ist unbekannt',
    missing_manage_guild:
      'dem Bot fehlt die Berechtigung „Server verwalten“, um Einladungen zu lesen',
    joined_while_offline: 'während der Bot offline war',
    resolved_by_admin: 'von einem Admin zugeordnet',
  },
  en: {
    single_code: 'only the uses of {code} went up',
    max_uses_consumed: 'the code {code} was used up (not deleted, per the audit log)',
    vanity_url: 'through the vanity URL discord.gg/{code}',
    bot_account: 'a bot, added through OAuth',
    several_codes: 'the invite is ambiguous (possible codes: {codes})',
    several_codes_same_inviter: 'invited by {inviter}, through one of several codes ({codes})',
    fewer_uses_than_joins:
      'the invite is ambiguous: more members joined at once than invites were used (possible codes: {codes})',
    more_uses_than_joins:
      'the invite is ambiguous: more invites were used than members joined (possible codes: {codes})',
    vanished_unconfirmed:
      'probably through the used-up code {codes}; without the View Audit Log permission this cannot be confirmed',
    burst_unsettled:
      'during a rush of joins the invite cannot be attributed (possible codes: {codes})',
    no_use_changed:
      'no counted invite use matched this join (perhaps Server Discovery, an app or a join request)',
    not_primed: "this server's invites were not loaded yet",
    fetch_failed: 'Discord could not be reached; the invite is unknown',
    missing_manage_guild: 'the bot lacks the Manage Server permission needed to read invites',
    joined_while_offline: 'while the bot was offline',
    resolved_by_admin: 'assigned by an admin',
  },
};

/** The reason text for a stored reason key, with its placeholders filled. */
export function reasonText(
  locale: Locale,
  reason: string,
  values: { codes?: string; inviter?: string; code?: string },
): string {
  const template = REASON_TEXTS[locale][reason] ?? reason;
  return template.replace(/\{(codes|inviter|code)\}/g, (_, name: 'codes' | 'inviter' | 'code') =>
    String(values[name] ?? ''),
  );
}

/**
 * What a corrected log line adds, by the revision's cause: the line was posted, later facts changed
 * the decision, and the message was edited to say so.
 */
export const CORRECTION_TEXTS: Record<Locale, Record<string, string>> = {
  de: {
    late_event:
      'korrigiert: ein später eingetroffener Beitritt kann dieselbe Einladung genutzt haben',
    increment_lag: 'korrigiert: Discord hat eine Nutzung erst nach dem Beitritt gezählt',
    later_fetch: 'korrigiert nach einer späteren Abfrage bei Discord',
    audit_log: 'korrigiert nach dem Audit-Log',
    missed_join:
      'korrigiert: ein Beitritt aus der Offline-Zeit kann dieselbe Einladung genutzt haben',
    restart: 'korrigiert',
  },
  en: {
    late_event: 'corrected: a join that arrived later may have used the same invite',
    increment_lag: 'corrected: Discord counted a use only after the join',
    later_fetch: 'corrected after a later check with Discord',
    audit_log: 'corrected after the audit log',
    missed_join: 'corrected: a join from while the bot was offline may have used the same invite',
    restart: 'corrected',
  },
};

export function correctionText(locale: Locale, cause: string): string {
  return CORRECTION_TEXTS[locale][cause] ?? CORRECTION_TEXTS[locale].restart!;
}

/** Fake-account flags as the log line and the dashboard name them. */
export const FAKE_FLAG_LABELS: Record<Locale, Record<FakeFlag, string>> = {
  de: {
    account_age: 'Konto zu neu',
    no_avatar: 'kein Profilbild',
    rejoin: 'erneuter Beitritt',
    self_invite: 'selbst eingeladen',
  },
  en: {
    account_age: 'account too new',
    no_avatar: 'no avatar',
    rejoin: 'rejoined',
    self_invite: 'invited themselves',
  },
};

/** Who invited a leaving member when no inviter is known. */
export const UNKNOWN_INVITER: Record<Locale, string> = { de: 'unbekannt', en: 'unknown' };
