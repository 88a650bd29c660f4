/**
 * Joins per day for the history chart, cached per guild for a minute: the chart shows whole days,
 * and with a million joins the aggregation over 30 days costs tens of milliseconds, more than the
 * rest of the page together. Concurrent misses share one query.
 */
import type { Db } from '$db/client';
import { joinsPerDay, type JoinsPerDay } from '$db/queries/history';

const TTL_MS = 60_000;
const MAX_ENTRIES = 1000;
const cache = new Map<string, { at: number; value: Promise<JoinsPerDay> }>();

export function cachedJoinsPerDay(db: Db, guildId: string, now = Date.now()): Promise<JoinsPerDay> {
  const hit = cache.get(guildId);
  if (hit && now - hit.at < TTL_MS) return hit.value;
  const value = joinsPerDay(db, guildId, { days: 30, top: 5, now: new Date(now) });
  cache.set(guildId, { at: now, value });
  value.catch(() => cache.delete(guildId));
  if (cache.size > MAX_ENTRIES) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return value;
}

/** After a change that moves joins between codes (a resolved join), the next page load recounts. */
export function forgetJoinsPerDay(guildId: string): void {
  cache.delete(guildId);
}
