/**
 * The dashboard's texts in German (default) and English. `de.ts` defines the key set; `en.ts` must
 * have exactly the same keys (checked by the type). Values may contain `{name}` placeholders.
 * Outcome and reason texts come from db/i18n.ts, shared with the gateway.
 */
import { de } from './de';
import { en } from './en';
import type { Locale } from '$db/schema';

export type MessageKey = keyof typeof de;
export type Messages = Record<MessageKey, string>;

export const MESSAGES: Record<Locale, Messages> = { de, en };
export const UI_LOCALES: readonly Locale[] = ['de', 'en'];
export const DEFAULT_LOCALE: Locale = 'de';
export const LOCALE_COOKIE = 'it_lang';

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translate(
  locale: Locale,
  key: MessageKey,
  params?: Record<string, string | number>,
): string {
  const text = MESSAGES[locale][key] ?? MESSAGES[DEFAULT_LOCALE][key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

/** Keys with plural forms: `base.one`, `base.other` (and whichever CLDR categories a language needs). */
export type PluralBase = MessageKey extends infer K
  ? K extends `${infer B}.other`
    ? B
    : never
  : never;

const pluralRules = new Map<Locale, Intl.PluralRules>();

/**
 * The form of `base` for the count `n` by the language's plural rules (Intl.PluralRules), with `{n}`
 * filled in as a formatted number; a category the catalogue lacks falls back to `other`.
 */
export function translatePlural(
  locale: Locale,
  base: PluralBase,
  n: number,
  params: Record<string, string | number> = {},
): string {
  let rules = pluralRules.get(locale);
  if (!rules) pluralRules.set(locale, (rules = new Intl.PluralRules(intlLocale(locale))));
  const exact = `${base}.${rules.select(n)}`;
  const key = (Object.hasOwn(MESSAGES[locale], exact) ? exact : `${base}.other`) as MessageKey;
  return translate(locale, key, { n: formatNumber(locale, n), ...params });
}

export type Translator = Translate & {
  /** `t.plural('history.count', 3)`: see translatePlural. */
  plural: (base: PluralBase, n: number, params?: Record<string, string | number>) => string;
};

export function createTranslator(locale: Locale): Translator {
  const t: Translate = (key, params) => translate(locale, key, params);
  return Object.assign(t, {
    plural: (base: PluralBase, n: number, params?: Record<string, string | number>) =>
      translatePlural(locale, base, n, params),
  });
}

export function isLocale(value: unknown): value is Locale {
  return value === 'de' || value === 'en';
}

/** The language for a request: the cookie if set, else the first de/en in Accept-Language, else de. */
export function pickLocale(cookie: string | undefined, acceptLanguage: string | null): Locale {
  if (isLocale(cookie)) return cookie;
  const wanted = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.find((p) => p.trim().startsWith('q='));
      return { lang: tag.trim().toLowerCase().slice(0, 2), q: q ? Number(q.trim().slice(2)) : 1 };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { lang } of wanted) if (isLocale(lang)) return lang;
  return DEFAULT_LOCALE;
}

/** The BCP 47 tag Intl formats with for a UI language. */
export function intlLocale(locale: Locale): string {
  return locale === 'de' ? 'de-DE' : 'en-GB';
}

/**
 * Dates and numbers in the user's language. Times are in `timeZone` (the viewer's, once the browser
 * has said which; UTC on the server, marked as such).
 */
export function formatDateTime(locale: Locale, date: Date | string, timeZone = 'UTC'): string {
  return new Intl.DateTimeFormat(intlLocale(locale), {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    ...(timeZone === 'UTC' ? { timeZoneName: 'short' } : {}),
  }).format(typeof date === 'string' ? new Date(date) : date);
}

export function formatNumber(locale: Locale, n: number): string {
  return new Intl.NumberFormat(intlLocale(locale)).format(n);
}
