/**
 * A discrete-event model of Discord's invite behaviour around one guild, driving the pure
 * GuildAttribution state machine the way the gateway does, with ground truth for every join.
 *
 * Discord side: a join through a code or the vanity URL counts the use at the join time (or up to
 * `incrementLagMs` later), then GUILD_MEMBER_ADD is delivered after `0..dispatchDelayMs`, in order;
 * a max-uses invite is removed when used up and its INVITE_DELETE follows the join; expired invites
 * vanish without an event; revokes are logged in the audit log. Our side: each invites fetch is read
 * by Discord `0..latencyMs` after it was sent and answered `0..latencyMs` after that.
 */
import {
  botDecision,
  GuildAttribution,
  type AttributionConfig,
} from '../../../gateway/attribution/guild-attribution';
import type { EpisodeState } from '../../../gateway/attribution/guild-attribution';
import { DEFAULT_TIMING_CONFIG, TimingModel } from '../../../gateway/attribution/timing';
import type {
  Decision,
  FetchedInvites,
  InviteRecord,
  PendingJoin,
  Revision,
  VanityState,
} from '../../../gateway/attribution/types';

export type Via = { code: string } | { vanity: true } | { discovery: true } | { bot: true };

export type Truth = {
  memberId: string;
  via: 'code' | 'vanity' | 'discovery' | 'bot';
  code: string | null;
  inviterId: string | null;
};

type Invite = {
  code: string;
  inviterId: string | null;
  uses: number;
  maxUses: number;
  expiresAt: number | null;
};

export type WorldOptions = {
  latencyMs: number;
  dispatchDelayMs: number;
  incrementLagMs: number;
  canAudit: boolean;
  vanityCode: string | null;
  /** Our clock minus Discord's (the engine must estimate it). */
  clockOffsetMs?: number;
  /**
   * Per join: how long after the join its GUILD_MEMBER_ADD reaches us, drawn independently, so events
   * overtake each other. Without it, events arrive in order within `dispatchDelayMs`.
   */
  eventDelay?: () => number;
  /**
   * Per join: whether the invite's counter moves only after the event reached us, and how much later.
   * Without it, the counter moves at the join (or up to `incrementLagMs` after it).
   */
  increment?: () => { afterEvent: boolean; delayMs: number };
  /**
   * Per fetch: when Discord reads the counters and when the answer arrives (ms after sending, after
   * the read). Without it, both are drawn from `0..latencyMs`.
   */
  fetchTiming?: () => { readMs: number; answerMs: number };
  /** Per message we post: how long after asking Discord stamps it (default `0..latencyMs`). */
  stampDelay?: () => number;
  /** Pseudo-random source in [0, 1). */
  random: () => number;
  config: AttributionConfig;
};

type Scheduled = { at: number; order: number; run: () => void };

export class World {
  now = 0;
  readonly truths = new Map<string, Truth>();
  readonly decisions = new Map<string, Decision>();
  /** Every revision handed out, in order. */
  readonly revisions: Revision[] = [];
  /** First decisions that named something the ground truth contradicts (later revised or not). */
  readonly wrongAtFirst = new Set<string>();
  /** Each join's first decision, and every decision it was changed to (only through revisions). */
  private readonly firstDecisions = new Map<string, Decision>();
  /** The XP ledger as the gateway keeps it: an exact join with an inviter holds its reward. */
  private readonly xp = new Map<string, { code: string; inviterId: string }>();
  readonly fetchCount = { invites: 0, audit: 0 };
  private readonly invites = new Map<string, Invite>();
  private readonly revoked = new Set<string>();
  private vanityUses = 0;
  private queue: Scheduled[] = [];
  private order = 0;
  private lastDelivery = 0;
  private wakeAt: number | null = null;
  private memberSeq = 0;
  state: GuildAttribution;
  /** What the gateway has persisted: the last baseline and every join it received. */
  private persisted: { invites: InviteRecord[]; vanity: VanityState | null } | null = null;
  private persistedEpisode: EpisodeState | null = null;
  /** When each persisted invite row was last written (saveBaseline keeps rows newer than it). */
  private readonly storedAt = new Map<string, number>();
  /** When the persisted baseline was taken: joins received since belong to the persisted episode. */
  private episodeSince = 0;
  private readonly received = new Map<string, PendingJoin>();
  /** Timing asked for by the join being made. */
  private nextJoinTiming: { eventDelayMs?: number; countAfterEventMs?: number } = {};
  /** Joins whose GUILD_MEMBER_ADD has not reached the gateway (yet, or ever: `lost`). */
  private readonly unreceived = new Map<string, { joinedAt: string; bot: boolean; lost?: true }>();
  /** While the gateway is down: `resume` buffers events for replay, `identify` loses them. */
  private down: { mode: 'resume' | 'identify'; buffered: (() => void)[] } | null = null;
  /** Bumped on every restart so answers to requests of the old process are dropped. */
  private generation = 0;

  constructor(private readonly options: WorldOptions) {
    this.state = this.newState();
  }

  /** A process's timing model (a restart starts a new one, as a new process would). */
  private timing = new TimingModel();

  private newState(): GuildAttribution {
    this.timing = new TimingModel({
      ...DEFAULT_TIMING_CONFIG,
      eventFloorMs: this.options.config.settleMs,
      lagFloorMs: this.options.config.maxIncrementLagMs,
    });
    const state = new GuildAttribution('1', this.options.config, this.timing);
    state.setCanAudit(this.options.canAudit);
    return state;
  }

  /** The gateway process dies. */
  crash(mode: 'resume' | 'identify'): void {
    this.down = { mode, buffered: [] };
    this.generation += 1;
    this.wakeAt = null;
  }

  /** The gateway restarts from what it persisted, then RESUMEs or re-identifies and reconciles. */
  restart(): void {
    const down = this.down!;
    this.down = null;
    this.state = this.newState();
    if (this.persisted) {
      // The open episode comes back with its joins (decided ones with their decision).
      const episode = this.persistedEpisode
        ? {
            state: this.persistedEpisode,
            joins: [...this.received.values()]
              .filter(
                (j) => j.receivedAt >= this.episodeSince && this.truths.get(j.key)?.via !== 'bot',
              )
              .map((join) => ({
                join: { ...join, joinedAtMs: Date.parse(join.joinedAt) },
                decision: this.decisions.get(join.key) ?? null,
              })),
          }
        : null;
      this.state.restore(this.persisted.invites, this.persisted.vanity, this.episodeSince, episode);
    }
    for (const join of this.received.values()) {
      if (!this.decisions.has(join.key)) this.state.memberJoined(join, this.now);
    }
    if (down.mode === 'resume') {
      for (const replay of down.buffered) replay();
    } else {
      // A new session: events Discord had not sent are lost; listing the members finds them.
      const missed = [...this.unreceived].filter(([, u]) => !u.bot);
      for (const [memberId, u] of this.unreceived)
        if (u.bot)
          this.record([
            botDecision({ key: memberId, memberId, joinedAt: u.joinedAt, receivedAt: this.now }),
          ]);
      this.unreceived.clear();
      const found = missed.map(([memberId, u]) => ({
        key: memberId,
        memberId,
        joinedAt: u.joinedAt,
        receivedAt: this.now,
      }));
      // Recorded as pending, like every join the gateway learns of.
      for (const join of found) this.received.set(join.key, join);
      this.state.reconcileDowntime(found, this.now);
    }
    this.react();
  }

  // ---- Discord side -------------------------------------------------------------------------

  createInvite(
    code: string,
    inviterId: string | null,
    maxUses = 0,
    maxAgeMs: number | null = null,
  ): void {
    const invite: Invite = {
      code,
      inviterId,
      uses: 0,
      maxUses,
      expiresAt: maxAgeMs === null ? null : this.now + maxAgeMs,
    };
    this.invites.set(code, invite);
    this.deliver(() => {
      const created = { ...this.view(invite), uses: 0 };
      this.state.inviteCreated(created, this.now);
      // The gateway stores the code with the baseline's invites (storeCreatedInvite): a restart
      // restores it with its inviter.
      if (this.persisted && !this.persisted.invites.some((i) => i.code === code)) {
        this.persisted.invites = [...this.persisted.invites, { ...created, deletedAt: null }];
        this.storedAt.set(code, this.now);
      }
    });
  }

  revoke(code: string): void {
    if (!this.invites.delete(code)) return;
    this.revoked.add(code);
    this.deliver(() => this.state.inviteDeleted(code, this.now));
  }

  /** A member joins; returns false when the invite cannot be used (gone or expired). */
  join(via: Via, timing: { eventDelayMs?: number; countAfterEventMs?: number } = {}): boolean {
    this.expire();
    this.nextJoinTiming = timing;
    const memberId = `m${++this.memberSeq}`;
    const joinedAt = this.now;
    let truth: Truth;
    if ('code' in via) {
      const invite = this.invites.get(via.code);
      if (!invite) return false;
      truth = { memberId, via: 'code', code: invite.code, inviterId: invite.inviterId };
      const count = () => {
        invite.uses += 1;
        if (invite.maxUses > 0 && invite.uses >= invite.maxUses) {
          this.invites.delete(invite.code);
          return true;
        }
        return false;
      };
      const countNow = () => {
        if (count()) this.deliver(() => this.state.inviteDeleted(invite.code, this.now));
      };
      const timing =
        this.nextJoinTiming.countAfterEventMs !== undefined
          ? { afterEvent: true, delayMs: this.nextJoinTiming.countAfterEventMs }
          : this.options.increment?.();
      if (timing?.afterEvent) {
        this.deliverJoin(memberId, joinedAt, false, () =>
          this.at(this.now + timing.delayMs, countNow),
        );
      } else if (timing) {
        this.at(this.now + timing.delayMs, countNow);
        this.deliverJoin(memberId, joinedAt, false);
      } else if (this.options.incrementLagMs === 0) {
        const usedUp = count();
        this.deliverJoin(memberId, joinedAt, false);
        if (usedUp) this.deliver(() => this.state.inviteDeleted(invite.code, this.now));
      } else {
        this.deliverJoin(memberId, joinedAt, false);
        this.at(this.now + Math.floor(this.options.random() * this.options.incrementLagMs), () => {
          if (count()) this.deliver(() => this.state.inviteDeleted(invite.code, this.now));
        });
      }
    } else if ('vanity' in via) {
      if (!this.options.vanityCode) return false;
      truth = { memberId, via: 'vanity', code: this.options.vanityCode, inviterId: null };
      this.vanityUses += 1;
      this.deliverJoin(memberId, joinedAt, false);
    } else if ('bot' in via) {
      truth = { memberId, via: 'bot', code: null, inviterId: null };
      this.deliverJoin(memberId, joinedAt, true);
    } else {
      truth = { memberId, via: 'discovery', code: null, inviterId: null };
      this.deliverJoin(memberId, joinedAt, false);
    }
    this.truths.set(memberId, truth);
    return true;
  }

  /** When the gateway received a member's GUILD_MEMBER_ADD (our clock), if it has. */
  receivedAt(memberId: string): number | null {
    return this.received.get(memberId)?.receivedAt ?? null;
  }

  liveCodes(): string[] {
    this.expire();
    return [...this.invites.keys()];
  }

  private expire(): void {
    for (const [code, invite] of this.invites) {
      if (invite.expiresAt !== null && invite.expiresAt <= this.now) this.invites.delete(code);
    }
  }

  private view(invite: Invite) {
    return {
      code: invite.code,
      uses: invite.uses,
      maxUses: invite.maxUses,
      expiresAt: invite.expiresAt,
      inviterId: invite.inviterId,
      channelId: '10',
      temporary: false,
    };
  }

  private snapshot(): FetchedInvites {
    this.expire();
    return {
      invites: [...this.invites.values()].map((i) => this.view(i)),
      vanity: this.options.vanityCode
        ? { code: this.options.vanityCode, uses: this.vanityUses }
        : null,
    };
  }

  /** Gateway events arrive in order, each at most `dispatchDelayMs` after it happened. */
  private deliver(run: () => void, handlesDown = false): void {
    const at = Math.max(
      this.lastDelivery,
      this.now + Math.floor(this.options.random() * (this.options.dispatchDelayMs + 1)),
    );
    this.lastDelivery = at;
    this.at(at, () => {
      if (handlesDown) return run();
      if (this.down?.mode === 'resume') this.down.buffered.push(run);
      if (this.down) return;
      run();
      this.react();
    });
  }

  /**
   * Schedules a join's GUILD_MEMBER_ADD. `dispatched` runs when Discord sends it (even while we are
   * down), e.g. to move a counter after the event.
   */
  private deliverJoin(
    memberId: string,
    joinedAt: number,
    bot: boolean,
    dispatched?: () => void,
  ): void {
    const receive = () => {
      const join = { key: memberId, memberId, joinedAt: this.iso(joinedAt), receivedAt: this.now };
      this.received.set(memberId, join);
      if (bot) this.record([botDecision(join)]);
      else this.state.memberJoined(join, this.now);
    };
    this.unreceived.set(memberId, { joinedAt: this.iso(joinedAt), bot });
    const run = () => {
      dispatched?.();
      if (!this.unreceived.delete(memberId)) return; // lost with the session (re-identify)
      if (this.down?.mode === 'resume') this.down.buffered.push(receive);
      if (this.down) {
        if (this.down.mode === 'identify')
          this.unreceived.set(memberId, this.lostEvent(joinedAt, bot));
        return;
      }
      receive();
      this.react();
    };
    const delay = this.nextJoinTiming.eventDelayMs ?? this.options.eventDelay?.();
    if (delay === undefined) return this.deliver(run, true);
    this.at(this.now + Math.max(0, Math.round(delay)), run);
  }

  private lostEvent(joinedAt: number, bot: boolean) {
    return { joinedAt: this.iso(joinedAt), bot, lost: true as const };
  }

  /** Discord's `joined_at` for a moment of the model's clock (Discord's clock may differ from ours). */
  private iso(at: number): string {
    return new Date(at - (this.options.clockOffsetMs ?? 0)).toISOString();
  }

  // ---- our side ---------------------------------------------------------------------------

  /** Takes the baseline now (as the gateway does on GUILD_CREATE) and settles. */
  prime(): void {
    this.react();
    this.run(10_000);
  }

  private react(): void {
    if (this.down) return;
    this.persist();
    const action = this.state.nextAction(this.now);
    this.persist();
    const generation = this.generation;
    // Answers to requests of a process that has since crashed are dropped.
    const current = (run: () => void) => () => {
      if (generation === this.generation && !this.down) run();
    };
    if (action.kind === 'fetch') {
      this.fetchCount.invites += 1;
      this.state.fetchStarted(this.now);
      const drawn = this.options.fetchTiming?.();
      const readAt =
        this.now +
        (drawn?.readMs ?? Math.floor(this.options.random() * (this.options.latencyMs + 1)));
      this.at(readAt, () => {
        const fetched = this.snapshot();
        const answerAt =
          this.now +
          (drawn?.answerMs ?? Math.floor(this.options.random() * (this.options.latencyMs + 1)));
        this.at(
          answerAt,
          current(() => {
            this.state.fetchSucceeded(fetched, this.now);
            this.react();
          }),
        );
      });
    } else if (action.kind === 'audit') {
      this.fetchCount.audit += 1;
      this.state.auditStarted(this.now);
      const revoked = new Set(action.codes.filter((c) => this.revoked.has(c)));
      this.at(
        this.now + this.options.latencyMs,
        current(() => {
          this.state.auditSucceeded(action.codes, revoked, this.now);
          this.react();
        }),
      );
    } else if (action.kind === 'wait' && action.until !== this.wakeAt) {
      this.wakeAt = action.until;
      this.at(
        action.until,
        current(() => {
          if (this.wakeAt === action.until) this.wakeAt = null;
          this.react();
        }),
      );
    }
  }

  /** Decisions and the baseline are persisted together, as the gateway does in one transaction. */
  private persist(): void {
    const output = this.state.takeOutput();
    this.record(output.decisions);
    if (output.decisions.length > 0) {
      // The outbox posts a log line: Discord stamps the message after we asked for it.
      const createdAt =
        this.now + (this.options.stampDelay?.() ?? this.options.random() * this.options.latencyMs);
      this.timing.observeCreated(this.now, createdAt - (this.options.clockOffsetMs ?? 0));
    }
    for (const revision of output.revisions) {
      if (!this.decisions.has(revision.next.key))
        throw new Error(`revised undecided: ${revision.next.key}`);
      this.decisions.set(revision.next.key, revision.next);
      this.revisions.push(revision);
      this.ledger(revision.next);
    }
    if (output.baseline) {
      this.persisted = {
        invites: this.storeBaseline(output.baseline.invites, output.baseline.takenAt),
        vanity: output.baseline.vanity,
      };
      this.episodeSince = output.baseline.takenAt;
    }
    if (output.episode !== undefined) this.persistedEpisode = output.episode;
  }

  /**
   * The invite rows after a baseline is saved, as saveBaseline leaves them: the listed invites, the
   * others kept as tombstones (with their inviter), and those INVITE_CREATE stored after the
   * snapshot was taken still alive.
   */
  private storeBaseline(listed: InviteRecord[], takenAt: number): InviteRecord[] {
    const codes = new Set(listed.map((i) => i.code));
    const rest = (this.persisted?.invites ?? [])
      .filter((i) => !codes.has(i.code))
      .map((i) =>
        i.deletedAt !== null || (this.storedAt.get(i.code) ?? 0) > takenAt
          ? i
          : { ...i, deletedAt: takenAt },
      );
    for (const code of codes) this.storedAt.set(code, this.now);
    return [...listed, ...rest];
  }

  private record(decisions: Decision[]): void {
    for (const d of decisions) {
      if (this.decisions.has(d.key)) throw new Error(`decided twice: ${d.key}`);
      this.decisions.set(d.key, d);
      this.firstDecisions.set(d.key, d);
      if (this.isWrong(d)) this.wrongAtFirst.add(d.key);
      this.ledger(d);
    }
  }

  /** XP follows the decision: held while it is exact with an inviter, taken back otherwise. */
  private ledger(d: Decision): void {
    if (
      d.outcome === 'exact' &&
      d.code !== null &&
      d.inviterId !== null &&
      d.inviterId !== d.memberId
    )
      this.xp.set(d.key, { code: d.code, inviterId: d.inviterId });
    else this.xp.delete(d.key);
  }

  /** XP held for a join whose ground truth is another code or inviter. */
  wrongXp(): string[] {
    return [...this.xp]
      .filter(([key, r]) => {
        const truth = this.truths.get(key);
        return truth?.code !== r.code || truth.inviterId !== r.inviterId;
      })
      .map(([key, r]) => `${key}: XP for ${r.code}/${r.inviterId}`);
  }

  /** Joins whose decision changed without a revision being handed out for it. */
  unrecordedChanges(): string[] {
    const revised = new Map(this.revisions.map((r) => [r.next.key, r.next]));
    return [...this.decisions]
      .filter(([key, d]) => d !== this.firstDecisions.get(key) && revised.get(key) !== d)
      .map(([key]) => key);
  }

  // ---- clock --------------------------------------------------------------------------------

  private at(at: number, run: () => void): void {
    this.queue.push({ at, order: this.order++, run });
  }

  /** Advances the clock step by step until `done` holds (at most `maxMs`). */
  runUntil(done: () => boolean, maxMs = 30_000, stepMs = 1): void {
    for (let t = 0; t < maxMs && !done(); t += stepMs) this.run(stepMs);
    if (!done()) throw new Error(`not done after ${maxMs} ms`);
  }

  /** Advances the clock by `ms`, running everything due, in time order. */
  run(ms: number): void {
    const until = this.now + ms;
    // A guard, not a limit any scenario comes near: an engine that keeps asking for work (a fetch or
    // wait that does not move time on) must fail with its counterexample instead of hanging the run.
    let steps = 0;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at || a.order - b.order);
      const next = this.queue[0];
      if (!next || next.at > until) break;
      if (++steps > 200_000) throw new Error(`runaway at t=${this.now}: the engine never rests`);
      this.queue.shift();
      this.now = Math.max(this.now, next.at);
      next.run();
    }
    this.now = until;
  }

  private isWrong(d: Decision): boolean {
    const wrong: string[] = [];
    this.check(d, wrong);
    return wrong.length > 0;
  }

  /** Decisions that name something the ground truth contradicts. */
  wrongDecisions(): string[] {
    const wrong: string[] = [];
    for (const d of this.decisions.values()) this.check(d, wrong);
    return wrong;
  }

  private check(d: Decision, wrong: string[]): void {
    {
      const truth = this.truths.get(d.memberId);
      if (!truth) {
        wrong.push(`${d.memberId}: decided but never joined`);
        return;
      }
      const say = (what: string) =>
        wrong.push(
          `${d.memberId}: ${what} (truth ${JSON.stringify(truth)}, decision ${JSON.stringify(d)})`,
        );
      if (
        d.outcome === 'exact' &&
        (truth.via !== 'code' || d.code !== truth.code || d.inviterId !== truth.inviterId)
      )
        say('wrong exact');
      if (d.outcome === 'vanity' && truth.via !== 'vanity') say('wrong vanity');
      if (d.outcome === 'bot' && truth.via !== 'bot') say('wrong bot');
      if (truth.via === 'bot' && d.outcome !== 'bot') say('bot not recognised');
      if (d.inviterId !== null && d.inviterId !== truth.inviterId) say('wrong inviter');
      if (d.reason === 'several_codes' && !d.candidates?.some((c) => c.code === truth.code))
        say('true code not among candidates');
      // A burst's bracket names the codes that may have been used: a coded join's is among them.
      if (
        d.reason === 'burst_unsettled' &&
        d.candidates?.length &&
        (truth.via === 'code' || truth.via === 'vanity') &&
        !d.candidates.some((c) => c.code === truth.code)
      )
        say('true code not among the burst candidates');
    }
  }
}
