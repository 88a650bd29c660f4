/** Public types of the Discord simulator. Keep names stable: other test suites build on them. */

export type RateLimitRule = { limit: number; resetAfterMs: number };

export type SimOptions = {
  port?: number;
  seed?: number;
  token?: string;
  applicationId?: string;
  /** Enabled privileged intents of the app; default GuildMembers (1 << 1). */
  privilegedIntents?: number;
  /** HELLO heartbeat_interval; default 41250. */
  heartbeatIntervalMs?: number;
  /** How long an interaction may wait for its first callback; default 3000. */
  interactionDeadlineMs?: number;
  /** How long an interaction token works for webhooks (edit original, follow-ups); default 15 min. */
  interactionTokenTtlMs?: number;
  /** Added to every REST response; default 0. */
  restLatencyMs?: number;
  /** How long a disconnected session stays resumable; default 60000. */
  sessionTtlMs?: number;
  /** Per-route bucket rules keyed by route key (see README), '*' for the default; null = unlimited. */
  rateLimits?: Record<string, RateLimitRule | null>;
  /** Global limit on bot-token requests; default null (off). */
  globalRateLimit?: { perSecond: number } | null;
  /** Legacy shorthand for joinTiming (applied first): see Simulator.setInviteTiming. */
  invites?: { incrementTiming?: IncrementTiming; incrementDelayMs?: number };
  /** When counters move and GUILD_MEMBER_ADDs go out, drawn per join; default all immediate. */
  joinTiming?: JoinTimingOptions;
  /** Guilds one shard may hold before IDENTIFY is refused with 4011; default 2500. */
  maxGuildsPerShard?: number;
  /** `shards` in GET /gateway/bot; default 1. */
  recommendedShards?: number;
  oauth?: {
    /** Registered redirect URIs; default null = any http://127.0.0.1:* or http://localhost:* URL. */
    redirectUris?: string[] | null;
    /** `expires_in` of access tokens; default 604800 (7 days). */
    accessTokenTtlSeconds?: number;
    /** Authorization codes expire after this; default 10 min. */
    codeTtlMs?: number;
  };
  /** Window in which a repeated nonce with enforce_nonce returns the original message; default 5 min. */
  nonceWindowMs?: number;
};

export type SimUser = {
  id: string;
  username: string;
  globalName: string | null;
  avatar?: string | null;
  bot: boolean;
  dmsClosed: boolean;
  locale: string;
};

export type SimOverwrite = { id: string; type: 0 | 1; allow: bigint; deny: bigint };

export type SimGuild = {
  id: string;
  name: string;
  ownerId: string;
  everyoneRoleId: string;
  botRoleId: string;
  defaultChannelId: string;
  features: string[];
  vanityCode: string | null;
  vanityUses: number;
  locale: string;
  unavailable: boolean;
  botPresent: boolean;
  memberCount: number;
};

export type SimChannel = {
  id: string;
  guildId: string | null;
  name: string;
  type: number;
  parentId: string | null;
  overwrites: SimOverwrite[];
};

export type SimRole = {
  id: string;
  guildId: string;
  name: string;
  permissions: bigint;
  position: number;
  managed: boolean;
};

export type SimMember = {
  guildId: string;
  userId: string;
  roles: string[];
  joinedAt: string;
  /** Joined through a temporary invite: kicked by disconnectMember() while they have no role. */
  temporary: boolean;
};

export type SimInvite = {
  code: string;
  guildId: string;
  channelId: string;
  inviterId: string | null;
  uses: number;
  maxUses: number;
  maxAge: number;
  temporary: boolean;
  createdAt: string;
  expiresAt: string | null;
};

export type JoinVia =
  { code: string } | { vanity: true } | { bot: true } | { source: 'discovery' | 'oauth' };

/** A delay in ms, drawn per join from the simulator's PRNG. Lognormal is capped at maxMs (10 s). */
export type DelayDistribution =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'lognormal'; medianMs: number; p99Ms: number; maxMs?: number };

/** Whether the invite's `uses` moves before or after the join's GUILD_MEMBER_ADD is dispatched. */
export type IncrementTiming = 'before-dispatch' | 'after-dispatch';

/**
 * Join timing, drawn per join. A join at t0 (the member exists, joined_at = t0):
 * - before-dispatch: the counter moves at t0, GUILD_MEMBER_ADD at t0 + incrementDelay + eventDelay;
 * - after-dispatch: GUILD_MEMBER_ADD at t0 + eventDelay, the counter incrementDelay after it.
 */
export type JoinTiming = {
  /** Lag of the GUILD_MEMBER_ADD dispatch (the gateway pipeline). */
  eventDelay: DelayDistribution;
  /** Chance that a join's counter moves after its GUILD_MEMBER_ADD, and how long after. */
  incrementAfterDispatch: { probability: number; delay: DelayDistribution };
  /** Before-dispatch joins: gap from the counter to the GUILD_MEMBER_ADD (before eventDelay). */
  incrementBeforeDispatchDelay: DelayDistribution;
};

/** A partial JoinTiming; omitted fields keep their current value. */
export type JoinTimingOptions = {
  eventDelay?: DelayDistribution;
  incrementAfterDispatch?: { probability?: number; delay?: DelayDistribution };
  incrementBeforeDispatchDelay?: DelayDistribution;
};

/** Per-join overrides of what JoinTiming would draw. */
export type JoinTimingOverrides = {
  eventDelayMs?: number;
  incrementTiming?: IncrementTiming;
  /** The gap between counter and GUILD_MEMBER_ADD, in whichever order incrementTiming says. */
  incrementDelayMs?: number;
};

/** What sim.join takes: how the user joins, plus optional timing overrides. */
export type JoinRequest = JoinVia & JoinTimingOverrides;

/** The timing a join actually got (drawn or overridden). */
export type JoinPlan = {
  eventDelayMs: number;
  incrementTiming: IncrementTiming;
  incrementDelayMs: number;
};

export type JoinTruth = {
  guildId: string;
  userId: string;
  via: 'code' | 'vanity' | 'bot' | 'discovery' | 'oauth';
  code: string | null;
  inviterId: string | null;
  /** The join time t0 (ISO), exactly as in the GUILD_MEMBER_ADD payload, however late that is. */
  joinedAt: string;
  /** `s` of the GUILD_MEMBER_ADD in the bot's session for that shard; null when no session got it. */
  sequence: number | null;
  /**
   * When the counter (invite or vanity uses) moved, ms since epoch; null for joins that move none
   * (bot, discovery, oauth) and, until it moves, for an after-dispatch join.
   */
  countedAt: number | null;
  /** When the GUILD_MEMBER_ADD was dispatched (or would have been, without a session), ms since epoch. */
  dispatchedAt: number;
  /** The timing this join was given (drawn or overridden). */
  plan: JoinPlan;
};

export type AuthKind = 'bot' | 'bearer' | 'none' | 'invalid';

export type RecordedRequest = {
  /** 1-based, in order of completion. */
  id: number;
  method: string;
  /** Path without /api/v10 and without the query, interaction/webhook tokens replaced by :token. */
  path: string;
  /** Bucket-style key, e.g. "GET /guilds/:id/invites"; "" for unknown routes. */
  routeKey: string;
  query: Record<string, string>;
  /** Parsed JSON, form fields or payload_json; secrets (client_secret, code, tokens) redacted. */
  body: unknown;
  status: number;
  /** Arrival time, ms since epoch. */
  at: number;
  durationMs: number;
  auth: AuthKind;
  /** X-Audit-Log-Reason, decoded. */
  reason: string | null;
  /** For interaction callback and webhook routes: the interaction the token belongs to. */
  interactionId: string | null;
};

export type SimMessage = {
  id: string;
  channelId: string;
  guildId: string | null;
  authorId: string;
  content: string;
  embeds: unknown[];
  components: unknown[];
  nonce: string | number | null;
  allowedMentions: unknown;
  flags: number;
  createdAt: string;
  editedAt: string | null;
  /** User ids this message actually notifies, after allowed_mentions. */
  mentions: string[];
  mentionRoles: string[];
  mentionEveryone: boolean;
  /** Set for interaction responses and follow-ups. */
  interactionId: string | null;
};

export type DmFailure = {
  userId: string;
  channelId: string;
  at: number;
  reason: 'dms_closed' | 'no_mutual_guild' | 'bot_recipient';
  content: string;
};

export type DispatchLogEntry = {
  t: string;
  s: number;
  shard: number;
  sessionId: string;
  guildId: string | null;
  at: number;
  /** true: sent on a live socket; false: buffered for a disconnected session. */
  delivered: boolean;
  /** true for a re-send during RESUME. */
  replay: boolean;
};

export type ShardSessionInfo = {
  sessionId: string;
  shardId: number;
  shardCount: number;
  intents: number;
  connected: boolean;
  seq: number;
  resumes: number;
  createdAt: number;
};

export type ShardsInfo = {
  /** Shard ids with a live, identified socket. */
  connected: number[];
  identifies: number;
  resumes: number;
  sessions: ShardSessionInfo[];
};

export type InteractionResponseRecord = {
  kind: 'callback' | 'edit' | 'followup' | 'delete';
  /** Callback type (4, 5, 6, 7, ...) for callbacks; null otherwise. */
  type: number | null;
  data: unknown;
  at: number;
  messageId: string | null;
};

export type RouteMatcher = string | RegExp;
