/**
 * Message templates: the locale defaults (German first) and the renderer shared by the gateway (log
 * messages, DMs) and the dashboard (live preview). Admins may edit templates per guild; placeholders
 * are `{name}` and unknown placeholders are left as typed, so a typo is visible rather than silent.
 */
import type { Locale } from '../schema';

export type TemplateKind = 'log' | 'logUndecided' | 'dm' | 'logFake' | 'leave';

export const DEFAULT_TEMPLATES: Record<Locale, Record<TemplateKind, string>> = {
  de: {
    log: '{member} wurde von {inviter} eingeladen. Einladungs-Count: {count}',
    logUndecided: '{member} ist beigetreten; {reason}.',
    dm: 'Danke fürs Einladen! {member} ist gerade {guild} beigetreten (Code {code}). Deine Einladungen bisher: {count}',
    logFake:
      '{member} wurde von {inviter} eingeladen, zählt aber als Fake ({flags}). Einladungs-Count: {count}',
    leave: '{member} hat den Server verlassen. Eingeladen von {inviter}. Einladungs-Count: {count}',
  },
  en: {
    log: '{member} was invited by {inviter}. Invite count: {count}',
    logUndecided: '{member} joined; {reason}.',
    dm: 'Thanks for the invite! {member} just joined {guild} (code {code}). Your invites so far: {count}',
    logFake:
      '{member} was invited by {inviter} but counts as fake ({flags}). Invite count: {count}',
    leave: '{member} left the server. Invited by {inviter}. Invite count: {count}',
  },
};

/** The placeholders each template understands, for validation and the dashboard's placeholder list. */
const COUNTS = ['count', 'regular', 'left', 'fake', 'bonus'] as const;

/**
 * The placeholders each template understands, for validation and the dashboard's placeholder list.
 * `{count}` is the inviter's total (regular + bonus − fake); `{regular}`, `{left}`, `{fake}` and
 * `{bonus}` are the counters behind it.
 */
export const TEMPLATE_PLACEHOLDERS: Record<TemplateKind, readonly string[]> = {
  log: ['member', 'inviter', ...COUNTS, 'code', 'xp', 'guild'],
  logUndecided: ['member', 'reason', 'guild'],
  dm: ['member', 'inviter', ...COUNTS, 'code', 'xp', 'guild'],
  logFake: ['member', 'inviter', ...COUNTS, 'code', 'flags', 'guild'],
  leave: ['member', 'inviter', ...COUNTS, 'guild'],
};

/** Discord's message content limit. */
export const MAX_MESSAGE_LENGTH = 2000;
/** Template length limit, leaving room for expanded placeholders within MAX_MESSAGE_LENGTH. */
export const MAX_TEMPLATE_LENGTH = 1000;

/** Replaces `{name}` with `values[name]`; unknown names stay as written. */
export function renderTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? String(values[name]) : whole,
  );
}

/** Placeholders used in a template that the template kind does not know. */
export function unknownPlaceholders(kind: TemplateKind, template: string): string[] {
  const known = TEMPLATE_PLACEHOLDERS[kind];
  const used = [...template.matchAll(/\{([a-zA-Z]+)\}/g)].map((m) => m[1] ?? '');
  return [...new Set(used.filter((name) => !known.includes(name)))];
}
