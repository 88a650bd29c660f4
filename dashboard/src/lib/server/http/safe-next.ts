/**
 * Where to go after login or a language switch: only a path on this site (no open redirect).
 * The value is resolved the way a browser would (which drops tabs and newlines and treats `\` as
 * `/`), and must stay on our own origin; control characters and backslashes are refused outright.
 * What is returned is checked again: resolving dot segments can turn `/.//evil.example` or
 * `/%2e//evil.example` into `//evil.example`, which a browser reads as another host.
 */
const BASE = 'http://same.invalid';

export function safeNext(value: string | null | undefined, fallback = '/servers'): string {
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point here
  if (!value || !value.startsWith('/') || /[\x00-\x1f\x7f\\]/.test(value)) return fallback;
  const path = sameOriginPath(value);
  if (path === null || path.startsWith('//') || path.startsWith('/\\')) return fallback;
  // The returned path must lead to the same place again (a Location header is resolved once more).
  return sameOriginPath(path) === path ? path : fallback;
}

/** The normalised path, query and fragment of `value` resolved on our origin; null elsewhere. */
function sameOriginPath(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The login page, coming back to `next` afterwards (only if that is a safe target). */
export function loginUrl(next: string): string {
  return `/login?next=${encodeURIComponent(safeNext(next))}`;
}
