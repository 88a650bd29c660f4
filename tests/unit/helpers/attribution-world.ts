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
import type {
  Decision,
  FetchedInvites,
  InviteRecord,
  PendingJoin,
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
  /** Pseudo-random source in [0, 1). */
  random: () => number;
  config: AttributionConfig;
};

type Scheduled = { at: number; order: number; run: () => void };

export class World {
  now = 0;
  readonly truths = new Map<string, Truth>();
  readonly decisions = new Map<string, Decision>();
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
  private readonly received = new Map<string, PendingJoin>();
  /** While the gateway is down: `resume` buffers events for replay, `identify` loses them. */
  private down: { mode: 'resume' | 'identify'; buffered: (() => void)[]; missed: string[] } | null =
    null;
  /** Bumped on every restart so answers to requests of the old process are dropped. */
  private generation = 0;

  constructor(private readonly options: WorldOptions) {
    this.state = this.newState();
  }

  private newState(): GuildAttribution {
    const state = new GuildAttribution('1', this.options.config);
    state.setCanAudit(this.options.canAudit);
    return state;
  }

  /** The gateway process dies. */
  crash(mode: 'resume' | 'identify'): void {
    this.down = { mode, buffered: [], missed: [] };
    this.generation += 1;
    this.wakeAt = null;
  }

  /** The gateway restarts from what it persisted, then RESUMEs or re-identifies and reconciles. */
  restart(): void {
    const down = this.down!;
    this.down = null;
    this.state = this.newState();
    if (this.persisted) this.state.restore(this.persisted.invites, this.persisted.vanity);
    for (const join of this.received.values()) {
      if (!this.decisions.has(join.key)) this.state.memberJoined(join, this.now);
    }
    if (down.mode === 'resume') {
      for (const replay of down.buffered) replay();
    } else {
      this.state.reconcileDowntime(
        down.missed.map((m) => ({ key: m, memberId: m, joinedAt: m, receivedAt: this.now })),
        this.now,
      );
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
    this.deliver(() => this.state.inviteCreated({ ...this.view(invite), uses: 0 }));
  }

  revoke(code: string): void {
    if (!this.invites.delete(code)) return;
    this.revoked.add(code);
    this.deliver(() => this.state.inviteDeleted(code, this.now));
  }

  /** A member joins; returns false when the invite cannot be used (gone or expired). */
  join(via: Via): boolean {
    this.expire();
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
      if (this.options.incrementLagMs === 0) {
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
  private deliver(run: () => void): void {
    const at = Math.max(
      this.lastDelivery,
      this.now + Math.floor(this.options.random() * (this.options.dispatchDelayMs + 1)),
    );
    this.lastDelivery = at;
    this.at(at, () => {
      if (this.down?.mode === 'resume') this.down.buffered.push(run);
      if (this.down) return;
      run();
      this.react();
    });
  }

  private deliverJoin(memberId: string, joinedAt: number, bot: boolean): void {
    this.deliver(() => {
      const join = { key: memberId, memberId, joinedAt: String(joinedAt), receivedAt: this.now };
      this.received.set(memberId, join);
      if (bot) this.record([botDecision(join)]);
      else this.state.memberJoined(join, this.now);
    });
    // Re-identifying loses the event; the gateway finds the member by listing members instead.
    if (this.down?.mode === 'identify' && !bot) this.down.missed.push(memberId);
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
      const readAt = this.now + Math.floor(this.options.random() * (this.options.latencyMs + 1));
      this.at(readAt, () => {
        const fetched = this.snapshot();
        const answerAt =
          this.now + Math.floor(this.options.random() * (this.options.latencyMs + 1));
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
    if (output.baseline)
      this.persisted = { invites: output.baseline.invites, vanity: output.baseline.vanity };
  }

  private record(decisions: Decision[]): void {
    for (const d of decisions) {
      if (this.decisions.has(d.key)) throw new Error(`decided twice: ${d.key}`);
      this.decisions.set(d.key, d);
    }
  }

  // ---- clock --------------------------------------------------------------------------------

  private at(at: number, run: () => void): void {
    this.queue.push({ at, order: this.order++, run });
  }

  /** Advances the clock by `ms`, running everything due, in time order. */
  run(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at || a.order - b.order);
      const next = this.queue[0];
      if (!next || next.at > until) break;
      this.queue.shift();
      this.now = Math.max(this.now, next.at);
      next.run();
    }
    this.now = until;
  }

  /** Decisions that name something the ground truth contradicts. */
  wrongDecisions(): string[] {
    const wrong: string[] = [];
    for (const d of this.decisions.values()) {
      const truth = this.truths.get(d.memberId);
      if (!truth) {
        wrong.push(`${d.memberId}: decided but never joined`);
        continue;
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
    }
    return wrong;
  }
}
