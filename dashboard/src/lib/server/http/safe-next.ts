/**
 * Where to go after login or a language switch: only a path on this site (no open redirect).
 * The value is resolved the way a browser would (which drops tabs and newlines and treats `\` as
 * `/`), and must stay on our own origin; control characters and backslashes are refused outright.
 */
export function safeNext(value: string | null | undefined, fallback = '/servers'): string {
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point here
  if (!value || !value.startsWith('/') || /[\x00-\x1f\x7f\\]/.test(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, 'http://same.invalid');
  } catch {
    return fallback;
  }
  if (url.origin !== 'http://same.invalid') return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}
