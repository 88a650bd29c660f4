/** Redirect targets an attacker would try (tests/dashboard/safe-next and redirects). */

/** Paths that a browser normalises to `//evil.example` (another site) once they are resolved. */
export const COLLAPSING = [
  '/.//evil.example',
  '/servers/../..//evil.example',
  '/%2e//evil.example',
  '/%2E%2E//evil.example',
  '/.%2e//evil.example',
  '/..//evil.example',
  '/servers/1/../../..//evil.example',
  '/%2e%2e/%2e%2e//evil.example',
];

/** The usual open-redirect corpus: none of these may lead away from the dashboard. */
export const OPEN_REDIRECT_CORPUS = [
  ...COLLAPSING,
  '//evil.example',
  '///evil.example',
  '////evil.example',
  '/\\evil.example',
  '\\/evil.example',
  '/\\/evil.example',
  '\\\\evil.example',
  '/.\\/evil.example',
  '/./\\evil.example',
  '/%2f/evil.example',
  '/%2F%2Fevil.example',
  '%2f%2fevil.example',
  '/%5c/evil.example',
  '/%5C%5Cevil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '\t//evil.example',
  '/%09/evil.example',
  '/%0a/evil.example',
  ' //evil.example',
  '/@evil.example',
  '//@evil.example',
  '//user@evil.example',
  '//user:pass@evil.example',
  'https://user:pass@evil.example',
  '/servers@evil.example',
  '//ｅｖｉｌ.example',
  '//evil。example',
  '//пример.example',
  '//xn--e1afmkfd.example',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  '/javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'https://evil.example',
  'http://evil.example/servers',
  'https:evil.example',
  'https:/evil.example',
  '/https://evil.example',
  '/\t/\\evil.example',
  '/.//\\evil.example',
  '/%2e/%2f/evil.example',
  '/servers/1/..//..//evil.example',
];

/** What a browser does with a Location header: true when it stays on `origin`. */
export function staysOnOrigin(location: string, origin: string): boolean {
  if (!location.startsWith('/') || location.startsWith('//') || location.startsWith('/\\')) {
    return false;
  }
  return new URL(location, origin).origin === origin;
}
