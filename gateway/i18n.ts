/** Texts the gateway writes itself (beyond the admin's templates and db/i18n.ts reasons), de and en. */
import type { Locale } from '../db/schema';

/** The last line of a combined invite-log message during a burst of joins. */
export function moreJoinsLine(locale: Locale, count: number): string {
  if (locale === 'en')
    return `… and ${count} more ${count === 1 ? 'join' : 'joins'} (see the dashboard's join history)`;
  return `… und ${count} weitere ${count === 1 ? 'Beitritt' : 'Beitritte'} (siehe Beitrittsverlauf im Dashboard)`;
}
