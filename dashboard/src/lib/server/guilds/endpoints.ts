/**
 * Guild routes answered by a +server endpoint rather than a page: the guild guard refuses a
 * non-manager there itself, as on actions (tests/dashboard/guild-guard.test.ts keeps this complete).
 */
export const GUILD_ENDPOINT_ROUTES: ReadonlySet<string> = new Set([
  '/servers/[guildId]/history/export',
]);
