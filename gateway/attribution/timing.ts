/**
 * What the engine measures about Discord's timing instead of assuming it. Pure: samples go in with
 * the time they were taken, windows come out.
 *
 * - **Event delay**: how long after the join (its `joined_at`, Discord's clock) its GUILD_MEMBER_ADD
 *   reaches us (our clock). The two clocks differ by an unknown offset. Every event bounds it from
 *   above (`receivedAt − joinedAt`: the event cannot arrive before it happened); every message we
 *   create bounds it from below (`sentAt − timestamp`: Discord cannot create it before we asked).
 *   Delays are measured against the upper bound (the lower envelope of recent events); the event
 *   window is a high quantile of them with a margin, never below the configured floor.
 * - **Increment lag**: how long after its event a join's use may still be counted. Discord counts
 *   before it dispatches, as a rule; when counts show otherwise, the engine learns the smallest lag
 *   that explains them (see guild-attribution.ts) and reports it here.
 *
 * One model serves every guild of a process: Discord's delays are a property of Discord, and many
 * guilds learn faster than one.
 */

export type TimingConfig = {
  /** Floor of the event window (ATTRIBUTION_SETTLE_MS). */
  eventFloorMs: number;
  /** Floor of the increment lag (ATTRIBUTION_INCREMENT_LAG_MS). */
  lagFloorMs: number;
  /** The quantile of recent delays the window covers, and the factor and margin added on top. */
  quantile: number;
  factor: number;
  marginMs: number;
  /** Samples older than this are forgotten; at most `maxSamples` are kept. */
  sampleTtlMs: number;
  maxSamples: number;
  /**
   * A learned lag is never taken above this. Its footprint (a block a use short, then one a use
   * over) is also what an event later than the event window leaves next to a Discovery join; one
   * such event would otherwise widen every join's interval for half an hour. Uses counted up to
   * this late are learned; the claim window covers the joins that saw no use meanwhile.
   */
  maxLagMs: number;
  /** The lower bound on the clock offset is used from this many `Date` headers on… */
  floorSamples: number;
  /**
   * …or from this many created messages: one already proves the bound (we sent the request before
   * Discord stamped the message, both in milliseconds); more only raise it.
   */
  preciseFloorSamples: number;
};

export const DEFAULT_TIMING_CONFIG: TimingConfig = {
  eventFloorMs: 300,
  lagFloorMs: 0,
  quantile: 0.99,
  factor: 1.5,
  marginMs: 100,
  sampleTtlMs: 30 * 60_000,
  maxSamples: 2048,
  maxLagMs: 1000,
  floorSamples: 100,
  preciseFloorSamples: 1,
};

/** The windows the engine works with at one moment. */
export type TimingWindows = {
  /** How long after a fetch's answer a join whose use it counted can still arrive. */
  eventMs: number;
  /** How long after its event a join's use may still be counted. */
  lagMs: number;
  /** Our clock minus Discord's: at most this (the lower envelope of events), or null before any. */
  offsetMs: number | null;
  /** Our clock minus Discord's: at least this (from messages we created), or null before any. */
  offsetLowMs: number | null;
};

type Sample = { at: number; value: number };

/** A bounded, time-limited sample window. */
class Samples {
  private items: Sample[] = [];

  constructor(private readonly config: TimingConfig) {}

  add(at: number, value: number): void {
    this.items.push({ at, value });
    if (this.items.length > this.config.maxSamples * 1.25) {
      this.items = this.items.slice(-this.config.maxSamples);
    }
  }

  values(now: number): number[] {
    const since = now - this.config.sampleTtlMs;
    if (this.items.length > 0 && this.items[0]!.at < since) {
      this.items = this.items.filter((s) => s.at >= since);
    }
    return this.items.map((s) => s.value);
  }
}

export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? null;
}

export class TimingModel {
  private readonly skews: Samples;
  private readonly lags: Samples;
  private readonly floors: Samples;
  private readonly ceilings: Samples;
  /** When a use was last seen counted after its event (see `countedLate`). */
  private countedLateAt = -Infinity;
  /** Lower bounds from millisecond timestamps (created messages), as opposed to whole seconds. */
  private preciseFloors = 0;

  constructor(
    readonly config: TimingConfig = DEFAULT_TIMING_CONFIG,
    /** Called with every measured event delay and learned lag, in seconds (metrics). */
    private readonly report: { delay?: (s: number) => void; lag?: (s: number) => void } = {},
  ) {
    this.skews = new Samples(config);
    this.lags = new Samples(config);
    this.floors = new Samples(config);
    this.ceilings = new Samples(config);
  }

  /** A GUILD_MEMBER_ADD arrived: `receivedAt` on our clock, `joinedAt` on Discord's. */
  observeJoin(receivedAt: number, joinedAt: number): void {
    if (!Number.isFinite(joinedAt)) return;
    const offset = this.offset(receivedAt);
    this.skews.add(receivedAt, receivedAt - joinedAt);
    if (offset !== null) this.report.delay?.(Math.max(0, receivedAt - joinedAt - offset) / 1000);
  }

  /** Discord created something (a message) at `createdAt` (its clock) that we asked for at `sentAt`. */
  observeCreated(sentAt: number, createdAt: number): void {
    if (!Number.isFinite(createdAt)) return;
    this.floors.add(sentAt, sentAt - createdAt);
    this.preciseFloors += 1;
  }

  /**
   * A REST answer's `Date` header: Discord's clock in whole seconds, read while the request was
   * between `sentAt` and `receivedAt` on ours. The offset is at least `sentAt − (date + 999)` and at
   * most `receivedAt − date`; many answers narrow that to tens of milliseconds.
   */
  observeServerDate(sentAt: number, receivedAt: number, date: number): void {
    if (!Number.isFinite(date)) return;
    this.floors.add(sentAt, sentAt - (date + 999));
    this.ceilings.add(receivedAt, receivedAt - date);
  }

  /** Counts showed a use counted `lagMs` after its event. */
  observeLag(at: number, lagMs: number): void {
    const lag = Math.min(this.config.maxLagMs, Math.max(0, lagMs));
    this.lags.add(at, lag);
    this.report.lag?.(lag / 1000);
  }

  /**
   * A use turned out to be counted after a fetch sent after its event. Unlike a learned lag (which
   * widens every join's interval) this only says that uses are not always counted in join order.
   */
  observeCountedLate(at: number): void {
    this.countedLateAt = at;
  }

  /** Whether a use was seen counted after its event within the sample lifetime. */
  countedLate(now: number): boolean {
    return now - this.countedLateAt < this.config.sampleTtlMs;
  }

  /** Our clock minus Discord's, from the lower envelope of recent skews. */
  offset(now: number): number | null {
    const skews = this.skews.values(now);
    return skews.length === 0 ? null : Math.min(...skews);
  }

  windows(now: number): TimingWindows {
    const { config } = this;
    const skews = this.skews.values(now);
    const uppers = [...skews, ...this.ceilings.values(now)];
    const offset = uppers.length === 0 ? null : Math.min(...uppers);
    const floors = this.floors.values(now);
    // One `Date` header bounds the offset only to within a second; many do to tens of ms, and a
    // created message's timestamp at once. Until then the engine works with the upper bound less
    // its margin. A lower bound above the upper one means the clocks disagree with themselves (a
    // simulator's virtual clock): it is not used.
    const established =
      this.preciseFloors >= config.preciseFloorSamples || floors.length >= config.floorSamples;
    const low = floors.length === 0 || !established ? null : Math.max(...floors);
    const offsetLowMs = low !== null && (offset === null || low <= offset) ? low : null;
    const delay =
      offset === null
        ? null
        : quantile(
            skews.map((s) => s - offset),
            config.quantile,
          );
    const lag = quantile(this.lags.values(now), config.quantile);
    const widen = (q: number | null, floor: number) =>
      q === null ? floor : Math.max(floor, Math.ceil(q * config.factor + config.marginMs));
    return {
      eventMs: widen(delay, config.eventFloorMs),
      lagMs: lag === null || lag === 0 ? config.lagFloorMs : widen(lag, config.lagFloorMs),
      offsetMs: offset,
      offsetLowMs,
    };
  }
}
