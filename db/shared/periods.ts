/**
 * Leaderboard periods, the pure part. A rolling period is whole UTC days: "7 days" is today and the
 * six days before (from 00:00 UTC six days ago), "30 days" today and the 29 before. Whole days let
 * the counters be kept per period and moved once a day instead of recounted on every read.
 */
export const LEADERBOARD_PERIODS = ['7d', '30d', 'season', 'all'] as const;
export type LeaderboardPeriod = (typeof LEADERBOARD_PERIODS)[number];
export const DEFAULT_PERIOD: LeaderboardPeriod = 'season';

export type RollingPeriod = '7d' | '30d';
const DAYS: Record<RollingPeriod, number> = { '7d': 7, '30d': 30 };
const DAY_MS = 24 * 60 * 60_000;

/** The first moment a rolling period counts at `now`. */
export function windowStart(period: RollingPeriod, now: Date): Date {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return new Date(today - (DAYS[period] - 1) * DAY_MS);
}

export function isRolling(period: LeaderboardPeriod): period is RollingPeriod {
  return period === '7d' || period === '30d';
}

export function parsePeriod(value: string | null | undefined): LeaderboardPeriod {
  return LEADERBOARD_PERIODS.find((p) => p === value) ?? DEFAULT_PERIOD;
}
