/** Where to go after login or a language switch: only a path on this site (no open redirect). */
export function safeNext(value: string | null | undefined, fallback = '/servers'): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return fallback;
  }
  return /[\r\n]/.test(value) ? fallback : value;
}
