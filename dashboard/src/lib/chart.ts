/**
 * Chart helpers (pure): the ranges a chart offers, and axis ticks for whole counts.
 */
export const CHART_RANGES = ['7', '30', '90', 'all'] as const;
export type ChartRange = (typeof CHART_RANGES)[number];
export const DEFAULT_RANGE: ChartRange = '30';

/** The range in `?range=`; anything else is the default. */
export function parseRange(value: string | null | undefined): ChartRange {
  return CHART_RANGES.includes(value as ChartRange) ? (value as ChartRange) : DEFAULT_RANGE;
}

/** Days of a range for the query (`null`: since the first join). */
export function rangeDays(range: ChartRange): number | null {
  return range === 'all' ? null : Number(range);
}

/**
 * Ticks for a count axis from 0 to at least `max`: whole numbers only, at most about `count` of them,
 * in steps of 1, 2, 5, 10, 20, 50, …
 */
export function countTicks(max: number, count = 5): number[] {
  const top = Math.max(1, Math.ceil(max));
  let step = 1;
  for (let magnitude = 1; ; magnitude *= 10) {
    const fit = [1, 2, 5].map((m) => m * magnitude).find((s) => top / s <= count);
    if (fit !== undefined) {
      step = fit;
      break;
    }
  }
  const ticks: number[] = [];
  for (let v = 0; v < top + step; v += step) ticks.push(v);
  return ticks;
}
