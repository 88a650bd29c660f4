/**
 * Joins over time for the history chart, cached per guild and range for a minute: the chart shows
 * whole days, and with a million joins the aggregation costs tens of milliseconds, more than the
 * rest of the page together. Concurrent misses share one query.
 */
import type { Db } from '$db/client';
import { joinsPerDay, type JoinsPerDay } from '$db/queries/history';
import { rangeDays, type ChartRange } from '$lib/chart';

const TTL_MS = 60_000;
const MAX_ENTRIES = 1000;
const cache = new Map<string, { at: number; value: Promise<JoinsPerDay> }>();

export function cachedJoinsPerDay(
  db: Db,
  guildId: string,
  range: ChartRange,
  now = Date.now(),
): Promise<JoinsPerDay> {
  const key = `${guildId}:${range}`;
  const hit = cache.get(key);
  if (hit && now - hit.at < TTL_MS) return hit.value;
  const value = joinsPerDay(db, guildId, { days: rangeDays(range), top: 5, now: new Date(now) });
  cache.set(key, { at: now, value });
  value.catch(() => cache.delete(key));
  if (cache.size > MAX_ENTRIES) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return value;
}

/** After a change that moves joins between codes (a resolved join), the next page load recounts. */
export function forgetJoinsPerDay(guildId: string): void {
  for (const key of cache.keys()) if (key.startsWith(`${guildId}:`)) cache.delete(key);
}
