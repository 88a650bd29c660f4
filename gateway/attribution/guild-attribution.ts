/**
 * One guild's attribution state machine. Pure: no I/O, no timers, no clock. The caller (the guild
 * runner) feeds it events with the current time, performs the action it asks for (fetch the invites,
 * read the audit log, or wait until a time), and persists the decisions and the new baseline it hands
 * out. All calls for one guild must be serial.
 *
 * Lifecycle of a batch: a join opens a batch (or joins the open one); the invites are fetched at once
 * (during a burst, at most once per `burstFetchIntervalMs`); `settleMs` after each answer the batch is
 * checked. It is settled when no join arrived after that fetch was sent; then it is decided (decide.ts)
 * and the fetched snapshot becomes the new baseline. Unsettled batches fetch again. A settled batch
 * is decided at once whatever its counts say: every use of its joins is already counted (uses that
 * lag behind their event are covered by `maxIncrementLagMs`), so waiting would only let later joins
 * pile into a batch that cannot be paired. A batch older than
 * `maxBatchAgeMs` (an endless raid) is closed without naming anyone.
 */
import {
  decideSettled,
  decideUnsure,
  tally,
  unresolvedVanished,
  type Checkpoint,
  type VanishedVerdict,
} from './decide';
import { diffSnapshots } from './diff';
import { InviteTable } from './invite-table';
import type {
  Decision,
  FetchedInvites,
  InviteRecord,
  PendingJoin,
  ReasonKey,
  VanityState,
} from './types';

export type AttributionConfig = {
  /** Wait after each fetch answer for joins whose use the fetch already counted. */
  settleMs: number;
  /** How long after its GUILD_MEMBER_ADD a join's use may still be counted (0 on Discord). */
  maxIncrementLagMs: number;
  /** Joins arriving during one fetch and settle that mark a burst. */
  burstJoinThreshold: number;
  /** Minimum spacing of fetches during a burst. */
  burstFetchIntervalMs: number;
  /** A batch that never settles is closed after this long. */
  maxBatchAgeMs: number;
  /** A max-uses invite that vanished this close to its expiry may have expired. */
  expirySkewMs: number;
  /** Delays between attempts when a fetch fails transiently; then the batch is unknown. */
  fetchRetryDelaysMs: readonly number[];
  /** After a 50013 on the invites route, joins are `no_permission` for this long before trying again. */
  noPermissionRetryMs: number;
  /** Tombstones older than this are dropped. */
  tombstoneTtlMs: number;
  /** After the audit log was refused (permission taken away), try it again after this long. */
  auditRetryMs: number;
};

export const DEFAULT_ATTRIBUTION_CONFIG: AttributionConfig = {
  // Longer than Discord takes to deliver GUILD_MEMBER_ADD after counting the use; shorter than the
  // gap between joins in a busy server (2/s), so batches settle between joins.
  settleMs: 300,
  maxIncrementLagMs: 0,
  burstJoinThreshold: 5,
  burstFetchIntervalMs: 1000,
  maxBatchAgeMs: 120_000,
  expirySkewMs: 60_000,
  fetchRetryDelaysMs: [1000, 2000, 5000, 10_000, 30_000],
  noPermissionRetryMs: 60_000,
  tombstoneTtlMs: 15 * 60_000,
  auditRetryMs: 10 * 60_000,
};

export type Action =
  | { kind: 'fetch' }
  | { kind: 'audit'; codes: string[] }
  | { kind: 'wait'; until: number }
  | { kind: 'busy' }
  | { kind: 'idle' };

/** What the caller must persist, atomically: decisions and (when set) the new baseline snapshot. */
export type Output = {
  decisions: Decision[];
  baseline: { invites: InviteRecord[]; vanity: VanityState | null; takenAt: number } | null;
};

type Batch = {
  joins: PendingJoin[];
  keys: Set<string>;
  openedAt: number;
  checkpoints: Checkpoint[];
  nextFetchAt: number;
  settleUntil: number | null;
  fetchFailures: number;
  verdicts: Map<string, VanishedVerdict>;
  auditRequested: boolean;
};

export class GuildAttribution {
  readonly guildId: string;
  private readonly config: AttributionConfig;
  /** The snapshot uses are counted from; shared with `current` while no fetch answered in a batch. */
  private baseline: InviteTable;
  private baselineVanity: VanityState | null = null;
  /** False until a complete fetch (or a persisted one) gives a baseline; false again after we lost track. */
  private baselineValid = false;
  /** The newest view of the invites, for commands and the next baseline. */
  private current: InviteTable;
  /** When the fetch behind `current` was sent: every use before this time is in it. */
  private currentTakenAt = 0;
  private currentVanity: VanityState | null = null;
  private batch: Batch | null = null;
  /**
   * The request in flight. `joinsAtStart` counts the batch's joins received before the fetch was
   * sent: by arrival order, not by clock, because a join received in the same millisecond after the
   * request was sent may not be counted by it.
   */
  private inFlight: { kind: 'fetch' | 'audit'; startedAt: number; joinsAtStart: number } | null =
    null;
  private noPermissionUntil: number | null = null;
  /** A fetch with no joins waiting, to (re)take a baseline. */
  private primeWanted = true;
  private canAudit = false;
  /** After the audit log was refused, it is tried again only after this time (permissions change). */
  private auditRetryAt = 0;
  private out: Output = { decisions: [], baseline: null };

  constructor(guildId: string, config: AttributionConfig = DEFAULT_ATTRIBUTION_CONFIG) {
    this.guildId = guildId;
    this.config = config;
    this.baseline = new InviteTable();
    this.current = this.baseline;
  }

  /** Restores the baseline persisted before a restart; its uses are counted from. */
  restore(invites: Iterable<InviteRecord>, vanity: VanityState | null): void {
    this.baseline = InviteTable.from(invites);
    this.current = this.baseline;
    this.baselineVanity = vanity;
    this.currentVanity = vanity;
    this.baselineValid = true;
  }

  /** Whether the bot may read the audit log (VIEW_AUDIT_LOG), to confirm used-up invites. */
  setCanAudit(canAudit: boolean): void {
    this.canAudit = canAudit;
  }

  get isPrimed(): boolean {
    return this.baselineValid;
  }

  get pendingJoins(): number {
    return this.batch?.joins.length ?? 0;
  }

  /** Live invites (no tombstones, not expired), for commands. */
  invites(now: number): InviteRecord[] {
    return [...this.current].filter(
      (i) => i.deletedAt === null && (i.expiresAt === null || i.expiresAt > now),
    );
  }

  get vanity(): VanityState | null {
    return this.currentVanity;
  }

  inviteCreated(invite: Omit<InviteRecord, 'deletedAt'>): void {
    // Never into the baseline: a fetch in flight may have been read before this code existed, and
    // a baseline code missing from a fetch counts as vanished.
    if (this.current === this.baseline) this.current = this.baseline.clone();
    const known = this.current.get(invite.code);
    // A replayed INVITE_CREATE must not reset a counter we already saw move.
    this.current.set({ ...invite, uses: Math.max(invite.uses, known?.uses ?? 0), deletedAt: null });
  }

  inviteDeleted(code: string, now: number): void {
    for (const table of new Set([this.current, this.baseline])) {
      const known = table.get(code);
      if (known && known.deletedAt === null) table.set({ ...known, deletedAt: now });
    }
  }

  /** A human member joined. Bots are decided by the caller (`botDecision`) and never enter a batch. */
  memberJoined(join: PendingJoin, now: number): void {
    if (this.noPermissionUntil !== null && now < this.noPermissionUntil) {
      this.decide([unpairable(join, 'no_permission', 'missing_manage_guild')]);
      return;
    }
    this.addToBatch([join], now);
  }

  /**
   * After a reconnect without RESUME: members found to have joined while we were away (possibly
   * none). They are decided like a batch against the persisted baseline, which is then retaken.
   */
  reconcileDowntime(missed: PendingJoin[], now: number): void {
    this.addToBatch(
      missed.map((j) => ({ ...j, missed: true })),
      now,
    );
  }

  private addToBatch(joins: PendingJoin[], now: number): void {
    if (!this.batch) {
      this.batch = {
        joins: [],
        keys: new Set(),
        openedAt: now,
        checkpoints: [],
        nextFetchAt: now,
        settleUntil: null,
        fetchFailures: 0,
        verdicts: new Map(),
        auditRequested: false,
      };
    }
    const batch = this.batch;
    // Arrival order matters (see `inFlight`), so joins are only ever appended.
    for (const join of joins) {
      if (batch.keys.has(join.key)) continue;
      batch.keys.add(join.key);
      batch.joins.push(join);
    }
  }

  /** What to do now. Call after every event and whenever a `wait` deadline passes. */
  nextAction(now: number): Action {
    this.advance(now);
    if (this.inFlight) return { kind: 'busy' };
    const batch = this.batch;
    if (!batch) {
      if (!this.baselineValid && this.primeWanted) {
        if (this.noPermissionUntil !== null && now < this.noPermissionUntil) {
          return { kind: 'wait', until: this.noPermissionUntil };
        }
        return { kind: 'fetch' };
      }
      return { kind: 'idle' };
    }
    if (batch.auditRequested) {
      return {
        kind: 'audit',
        codes: unresolvedVanished(batch.checkpoints.at(-1)!.diff, batch.verdicts),
      };
    }
    if (batch.settleUntil !== null) return { kind: 'wait', until: batch.settleUntil };
    if (now < batch.nextFetchAt) return { kind: 'wait', until: batch.nextFetchAt };
    return { kind: 'fetch' };
  }

  /** Decisions and baseline to persist since the last call. */
  takeOutput(): Output {
    const out = this.out;
    this.out = { decisions: [], baseline: null };
    return out;
  }

  /** A fetch was requested (it may still wait in the REST client's queue). */
  fetchStarted(now: number): void {
    this.inFlight = { kind: 'fetch', startedAt: now, joinsAtStart: this.batch?.joins.length ?? 0 };
  }

  /**
   * The fetch actually left (after queueing and rate-limit waits): joins received until now are in
   * it too. Optional; without it the request time stands, which is safe but less precise.
   */
  fetchSent(now: number): void {
    if (this.inFlight?.kind !== 'fetch') return;
    this.inFlight = { kind: 'fetch', startedAt: now, joinsAtStart: this.batch?.joins.length ?? 0 };
  }

  fetchSucceeded(fetched: FetchedInvites, now: number): void {
    const startedAt = this.inFlight?.startedAt ?? now;
    const joinsAtStart = this.inFlight?.joinsAtStart ?? 0;
    this.inFlight = null;
    this.currentTakenAt = startedAt;
    this.noPermissionUntil = null;
    const fresh = InviteTable.from(fetched.invites.map((i) => ({ ...i, deletedAt: null })));
    const batch = this.batch;

    if (!this.baselineValid) {
      // The first complete view: it becomes the baseline. Joins that arrived before its answer may
      // be counted in it already, so they cannot be paired.
      if (batch) {
        this.decide(batch.joins.map((j) => unpairable(j, 'unknown', 'not_primed')));
        this.batch = null;
      }
      this.adoptBaseline(fresh, fetched.vanity, startedAt, now);
      return;
    }

    // Codes missing from the fresh view are gone for good; a vanished invite is counted once, by the
    // batch whose fetch first missed it, and never carried into the next baseline.
    this.current = fresh;
    this.currentVanity = fetched.vanity;
    if (!batch) {
      this.adoptBaseline(fresh, fetched.vanity, startedAt, now);
      return;
    }
    // With a use counted up to maxIncrementLagMs after its event, only joins received that long
    // before the fetch are surely in it.
    const lagged = startedAt - this.config.maxIncrementLagMs;
    const joinsBefore =
      this.config.maxIncrementLagMs === 0
        ? joinsAtStart
        : batch.joins.slice(0, joinsAtStart).filter((j) => j.receivedAt <= lagged).length;
    batch.checkpoints.push({
      startedAt,
      joinsBefore,
      diff: diffSnapshots(
        this.baseline,
        this.baselineVanity,
        fetched,
        now,
        this.config.expirySkewMs,
      ),
    });
    batch.settleUntil = now + this.config.settleMs;
    batch.fetchFailures = 0;
  }

  /** The invites route answered 50013: joins waiting are `no_permission`; the snapshot stays. */
  fetchForbidden(now: number): void {
    this.inFlight = null;
    this.noPermissionUntil = now + this.config.noPermissionRetryMs;
    if (this.batch) {
      this.decide(
        this.batch.joins.map((j) => unpairable(j, 'no_permission', 'missing_manage_guild')),
      );
      this.batch = null;
    }
    // Uses will go on while we cannot see them: the baseline must be retaken once allowed again.
    this.baselineValid = false;
    this.primeWanted = true;
  }

  /** A fetch failed for another reason (5xx, timeout, network). */
  fetchFailed(now: number): void {
    this.inFlight = null;
    const batch = this.batch;
    if (!batch) {
      this.primeWanted = true;
      return;
    }
    const delay = this.config.fetchRetryDelaysMs[batch.fetchFailures];
    batch.fetchFailures += 1;
    if (delay !== undefined) {
      batch.nextFetchAt = now + delay;
      return;
    }
    this.decide(batch.joins.map((j) => unpairable(j, 'unknown', 'fetch_failed')));
    this.batch = null;
    this.baselineValid = false;
    this.primeWanted = true;
  }

  auditStarted(now: number): void {
    this.inFlight = { kind: 'audit', startedAt: now, joinsAtStart: 0 };
  }

  /** Audit-log answer: which of the asked codes were deleted by someone (the rest were used up). */
  auditSucceeded(asked: readonly string[], revoked: ReadonlySet<string>, now: number): void {
    this.inFlight = null;
    const batch = this.batch;
    if (!batch) return;
    for (const code of asked) batch.verdicts.set(code, revoked.has(code) ? 'revoked' : 'consumed');
    batch.auditRequested = false;
    this.evaluate(now);
  }

  auditFailed(now: number): void {
    this.inFlight = null;
    if (!this.batch) return;
    this.auditRetryAt = now + this.config.auditRetryMs;
    this.batch.auditRequested = false;
    this.evaluate(now);
  }

  private advance(now: number): void {
    const batch = this.batch;
    if (!batch || this.inFlight || batch.settleUntil === null || now < batch.settleUntil) return;
    this.evaluate(now);
  }

  /** The settle time after a fetch has passed: decide, or plan the next fetch. */
  private evaluate(now: number): void {
    const batch = this.batch!;
    batch.settleUntil = null;
    const last = batch.checkpoints.at(-1);
    if (!last) return;
    const settled = last.joinsBefore === batch.joins.length;
    if (settled && batch.joins.length === 0) return this.finish([], now);
    if (!settled) {
      if (now - batch.openedAt >= this.config.maxBatchAgeMs) return this.closeUnsettled(last, now);
      const arrivedSince = batch.joins.length - last.joinsBefore;
      const burst = arrivedSince >= this.config.burstJoinThreshold;
      batch.nextFetchAt = burst ? last.startedAt + this.config.burstFetchIntervalMs : now;
      return;
    }
    const input = this.decideInput(batch);
    const counts = tally(input);
    // Too few uses and a used-up invite vanished: the audit log tells used-up from revoked.
    const unresolved = unresolvedVanished(last.diff, batch.verdicts).length > 0;
    const mayAudit = this.canAudit && now >= this.auditRetryAt;
    if (counts.certain < counts.joins && mayAudit && unresolved) {
      batch.auditRequested = true;
      return;
    }
    this.finish(decideSettled(input), now);
  }

  /** An endless burst: joins seen before the last fetch are closed without naming anyone. */
  private closeUnsettled(last: Checkpoint, now: number): void {
    const batch = this.batch!;
    const closing = batch.joins.slice(0, last.joinsBefore);
    const input = { ...this.decideInput(batch), joins: closing };
    this.finish(decideUnsure(input, 'burst_unsettled'), now, batch.joins.slice(last.joinsBefore));
  }

  private finish(decisions: Decision[], now: number, carryOver: PendingJoin[] = []): void {
    const batch = this.batch!;
    const missed = new Set(batch.joins.filter((j) => j.missed).map((j) => j.key));
    this.decide(
      decisions.map((d) =>
        missed.has(d.key) && d.outcome !== 'exact' && d.outcome !== 'vanity'
          ? { ...d, outcome: 'downtime' as const, reason: 'joined_while_offline' as const }
          : d,
      ),
    );
    this.batch = null;
    this.adoptBaseline(this.current, this.currentVanity, this.currentTakenAt, now);
    if (carryOver.length > 0) this.addToBatch(carryOver, now);
  }

  private decideInput(batch: Batch) {
    return {
      joins: batch.joins,
      checkpoints: batch.checkpoints,
      verdicts: batch.verdicts,
      inviterOf: (code: string) =>
        (this.current.get(code) ?? this.baseline.get(code))?.inviterId ?? null,
      vanityCode: this.currentVanity?.code ?? this.baselineVanity?.code ?? null,
    };
  }

  /** `takenAt`: when the fetch behind the table was sent (joins after it are not in its counts). */
  private adoptBaseline(
    table: InviteTable,
    vanity: VanityState | null,
    takenAt: number,
    now: number,
  ): void {
    this.purgeTombstones(table, now);
    this.baseline = table;
    this.current = table;
    this.baselineVanity = vanity;
    this.currentVanity = vanity;
    this.baselineValid = true;
    this.primeWanted = false;
    this.out.baseline = { invites: [...table], vanity, takenAt };
  }

  private purgeTombstones(table: InviteTable, now: number): void {
    for (const invite of [...table]) {
      const expired =
        invite.expiresAt !== null && invite.expiresAt + this.config.expirySkewMs < now;
      const stale =
        invite.deletedAt !== null && invite.deletedAt + this.config.tombstoneTtlMs < now;
      if (expired || stale) table.delete(invite.code);
    }
  }

  private decide(decisions: Decision[]): void {
    this.out.decisions.push(...decisions);
  }
}

/** A decision that names no code or inviter. Missed joins (downtime) keep that label. */
function unpairable(join: PendingJoin, outcome: Decision['outcome'], reason: ReasonKey): Decision {
  const missed = join.missed === true;
  return {
    key: join.key,
    memberId: join.memberId,
    joinedAt: join.joinedAt,
    outcome: missed ? 'downtime' : outcome,
    reason: missed ? 'joined_while_offline' : reason,
    code: null,
    inviterId: null,
    candidates: null,
  };
}

/** The decision for a bot account: bots join through OAuth and use no invite (also while we were away). */
export function botDecision(join: PendingJoin): Decision {
  return { ...unpairable({ ...join, missed: false }, 'bot', 'bot_account') };
}
