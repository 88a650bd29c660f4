/**
 * Discord CDN addresses for avatars and server icons (pure). Only hashes in Discord's shape become a
 * URL; anything else (or none) falls back to the name's initial, drawn by `<Avatar>`.
 */
const HASH = /^(a_)?[0-9a-f]{32}$/;
const CDN = 'https://cdn.discordapp.com';

export function userAvatarUrl(
  id: string,
  hash: string | null | undefined,
  size = 64,
): string | null {
  return hash && HASH.test(hash) ? `${CDN}/avatars/${id}/${hash}.webp?size=${size}` : null;
}

export function guildIconUrl(
  id: string,
  hash: string | null | undefined,
  size = 64,
): string | null {
  return hash && HASH.test(hash) ? `${CDN}/icons/${id}/${hash}.webp?size=${size}` : null;
}

/** The first letter of a name (a whole grapheme: an emoji or accented letter stays intact). */
export function initialOf(name: string): string {
  const trimmed = name.replace(/[\u2066-\u2069\u202a-\u202e]/g, '').trim();
  const segments = new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(trimmed);
  const first = segments[Symbol.iterator]().next();
  return first.done ? '?' : first.value.segment.toLocaleUpperCase();
}
