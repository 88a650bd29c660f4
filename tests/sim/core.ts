/**
 * The simulator's shared internals: configuration, ids, world state and the subsystems. Modules
 * get this object; the public Simulator class wraps it so tests only see the stable API.
 */
import { Gateway } from './gateway';
import { InteractionStore } from './interactions';
import { OAuthStore } from './oauth';
import { RateLimiter } from './rate-limits';
import { FaultRegistry } from './faults';
import { IdFactory, Prng } from './snowflake';
import { World, type UserRec } from './state';
import { defaultJoinTiming, legacyInviteTiming, mergeJoinTiming } from './timing';
import type {
  DmFailure,
  JoinTiming,
  JoinTruth,
  RecordedRequest,
  SimMessage,
  SimOptions,
} from './types';

export type RuntimeConfig = {
  heartbeatIntervalMs: number;
  interactionDeadlineMs: number;
  interactionTokenTtlMs: number;
  restLatencyMs: number;
  sessionTtlMs: number;
  privilegedIntents: number;
  maxGuildsPerShard: number;
  recommendedShards: number;
  joinTiming: JoinTiming;
  nonceWindowMs: number;
  redirectUris: string[] | null;
  accessTokenTtlSeconds: number;
  codeTtlMs: number;
  /** The user "logged in" in the simulated browser for /oauth2/authorize. */
  oauthUserId: string | null;
};

export class Core {
  readonly config: RuntimeConfig;
  readonly ids: IdFactory;
  /**
   * Join-timing draws. A stream of its own (seeded from the seed when there is one), so timing
   * draws do not shift the ids, codes and tokens a seed produces.
   */
  readonly timingRandom: Prng;
  readonly world = new World();
  readonly botUser: UserRec;
  readonly applicationId: string;
  readonly token: string;
  readonly clientSecret: string;
  readonly startedAt = Date.now();
  port = 0;

  readonly gateway: Gateway;
  readonly interactions: InteractionStore;
  readonly oauth: OAuthStore;
  readonly limiter: RateLimiter;
  readonly faults: FaultRegistry;

  readonly requests: RecordedRequest[] = [];
  readonly joins: JoinTruth[] = [];
  readonly dmFailures: DmFailure[] = [];
  /** Joins in flight (guild|user), so one user cannot join twice concurrently. */
  readonly joining = new Set<string>();
  /** channel|author|nonce -> message, for enforce_nonce. */
  readonly nonces = new Map<string, { message: SimMessage; at: number }>();
  rateLimited = 0;
  /** 429s of the global limit (the real one; injected faults with `global` too). */
  globalRateLimited = 0;
  readonly rateLimitedByRoute: Record<string, number> = {};
  /** Running counters for default names. */
  readonly counters = { user: 0, guild: 0 };
  closed = false;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(options: SimOptions) {
    this.ids = new IdFactory(options.seed);
    this.timingRandom = new Prng(
      options.seed === undefined
        ? Math.floor(Math.random() * 2 ** 32)
        : (options.seed ^ 0x5bd1e995) >>> 0,
    );
    this.config = {
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
      interactionDeadlineMs: options.interactionDeadlineMs ?? 3000,
      interactionTokenTtlMs: options.interactionTokenTtlMs ?? 15 * 60_000,
      restLatencyMs: options.restLatencyMs ?? 0,
      sessionTtlMs: options.sessionTtlMs ?? 60_000,
      privilegedIntents: options.privilegedIntents ?? 1 << 1,
      maxGuildsPerShard: options.maxGuildsPerShard ?? 2500,
      recommendedShards: options.recommendedShards ?? 1,
      joinTiming: mergeJoinTiming(
        legacyInviteTiming(defaultJoinTiming(), options.invites ?? {}),
        options.joinTiming ?? {},
      ),
      nonceWindowMs: options.nonceWindowMs ?? 5 * 60_000,
      redirectUris: options.oauth?.redirectUris ?? null,
      accessTokenTtlSeconds: options.oauth?.accessTokenTtlSeconds ?? 604_800,
      codeTtlMs: options.oauth?.codeTtlMs ?? 10 * 60_000,
      oauthUserId: null,
    };
    // Modern applications share their id with their bot user.
    this.applicationId = options.applicationId ?? this.ids.snowflake();
    this.botUser = {
      id: this.applicationId,
      username: 'Invite Tracker',
      globalName: null,
      bot: true,
      dmsClosed: false,
      locale: 'en-US',
      avatar: null,
    };
    this.world.users.set(this.botUser.id, this.botUser);
    this.token = options.token ?? this.ids.botToken(this.botUser.id);
    this.clientSecret = this.ids.urlSafe(32);

    this.gateway = new Gateway(this);
    this.interactions = new InteractionStore(this);
    this.oauth = new OAuthStore(this);
    this.limiter = new RateLimiter(options.rateLimits ?? {}, options.globalRateLimit ?? null);
    this.faults = new FaultRegistry(this);
  }

  get httpBase(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** A timer that close() cancels; the promise then never settles, which is fine for shutdown. */
  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  clearTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

/** Poll until the predicate holds (every few ms); rejects after timeoutMs. */
export async function pollUntil<T>(
  check: () => T | undefined | null | false,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
