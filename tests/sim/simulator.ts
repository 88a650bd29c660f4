/**
 * The public face of the simulator: scenario controls, fault injection and observation. Every
 * method delegates to the modules that implement it; the /_sim control API calls these same
 * methods, so the TypeScript and HTTP APIs cannot drift apart.
 */
import type { Server } from 'node:http';
import { handleControl } from './control';
import { Core, pollUntil } from './core';
import type { FaultRegistry } from './faults';
import type { InvokeOptions, SimInteraction } from './interactions';
import { join, leave, disconnectMember } from './joins';
import * as scenario from './scenario';
import { commandPayload } from './rest/commands';
import { startServer } from './server';
import { SimError, type AuditEntryRec } from './state';
import { legacyInviteTiming, mergeJoinTiming } from './timing';
import type {
  DispatchLogEntry,
  DmFailure,
  InteractionResponseRecord,
  IncrementTiming,
  JoinRequest,
  JoinTiming,
  JoinTimingOptions,
  JoinTruth,
  RateLimitRule,
  RecordedRequest,
  ShardsInfo,
  SimChannel,
  SimGuild,
  SimInvite,
  SimMember,
  SimMessage,
  SimOptions,
  SimOverwrite,
  SimRole,
  SimUser,
} from './types';

export class Simulator {
  readonly #core: Core;
  readonly #server: Server;
  /** REST faults (latency, 429, 5xx) and gateway faults (drops, op 7, op 9, close codes). */
  readonly faults: FaultRegistry;

  private constructor(core: Core, server: Server) {
    this.#core = core;
    this.#server = server;
    this.faults = core.faults;
  }

  /** Use startSimulator(); this exists so the constructor can stay private. */
  static async start(options: SimOptions = {}): Promise<Simulator> {
    const core = new Core(options);
    // The control API drives the public methods, so it needs the instance created below.
    const ref: { sim?: Simulator } = {};
    const server = await startServer(core, options.port ?? 0, (method, url, raw) => {
      if (!ref.sim) throw new Error('simulator not ready');
      return handleControl(ref.sim, method, url, raw);
    });
    ref.sim = new Simulator(core, server);
    return ref.sim;
  }

  // --- Addresses and credentials -------------------------------------------------------------

  /** REST base for @discordjs/rest: new REST({ api: sim.api }). */
  get api(): string {
    return `${this.#core.httpBase}/api`;
  }
  get gatewayUrl(): string {
    return this.#core.gatewayUrl;
  }
  get controlUrl(): string {
    return `${this.#core.httpBase}/_sim`;
  }
  /** Where /oauth2/authorize is served (also under /api and /api/v10). */
  get authorizeUrl(): string {
    return `${this.#core.httpBase}/oauth2/authorize`;
  }
  get port(): number {
    return this.#core.port;
  }
  get token(): string {
    return this.#core.token;
  }
  get applicationId(): string {
    return this.#core.applicationId;
  }
  get botUser(): SimUser {
    return scenario.toSimUser(this.#core.botUser);
  }
  get oauth(): { clientId: string; clientSecret: string } {
    return { clientId: this.#core.applicationId, clientSecret: this.#core.clientSecret };
  }

  async close(): Promise<void> {
    if (this.#core.closed) return;
    this.#core.closed = true;
    this.#core.clearTimers();
    this.#core.gateway.close();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  // --- World building ------------------------------------------------------------------------

  createUser(o?: scenario.CreateUserOptions): SimUser {
    return scenario.toSimUser(scenario.createUser(this.#core, o));
  }

  /**
   * A guild with @everyone (id = guild id), a managed bot role holding `botPermissions`, #general,
   * the owner (created unless given) and the bot as members. GUILD_CREATE goes to the right shard.
   */
  createGuild(o?: scenario.CreateGuildOptions): SimGuild {
    return scenario.toSimGuild(scenario.createGuild(this.#core, o));
  }

  createChannel(guildId: string, o: scenario.CreateChannelOptions): SimChannel {
    return scenario.toSimChannel(scenario.createChannel(this.#core, guildId, o));
  }

  deleteChannel(channelId: string): void {
    scenario.deleteChannel(this.#core, channelId);
  }

  createRole(guildId: string, o: { name: string; permissions: bigint }): SimRole {
    return scenario.toSimRole(scenario.createRole(this.#core, guildId, o));
  }

  setRolePermissions(guildId: string, roleId: string, permissions: bigint): SimRole {
    return scenario.toSimRole(
      scenario.setRolePermissions(this.#core, guildId, roleId, permissions),
    );
  }

  /** Moves a role in the hierarchy (the bot manages only roles below its highest one). */
  setRolePosition(guildId: string, roleId: string, position: number): SimRole {
    return scenario.toSimRole(scenario.setRolePosition(this.#core, guildId, roleId, position));
  }

  /** The member's current role ids. */
  memberRoles(guildId: string, userId: string): string[] {
    return [...this.#core.world.member(guildId, userId).roles];
  }

  setChannelOverwrites(channelId: string, overwrites: SimOverwrite[]): SimChannel {
    return scenario.toSimChannel(scenario.setChannelOverwrites(this.#core, channelId, overwrites));
  }

  /** A member who was already there: no event. */
  addMember(guildId: string, userId: string, o?: { roles?: string[] }): SimMember {
    return scenario.toSimMember(guildId, scenario.addMember(this.#core, guildId, userId, o?.roles));
  }

  setMemberRoles(guildId: string, userId: string, roles: string[]): SimMember {
    return scenario.toSimMember(
      guildId,
      scenario.setMemberRoles(this.#core, guildId, userId, roles),
    );
  }

  /** Privileged intents enabled for the app (checked at the next IDENTIFY). */
  setPrivilegedIntents(bits: number): void {
    this.#core.config.privilegedIntents = bits;
  }

  addBotToGuild(guildId: string): void {
    scenario.addBotToGuild(this.#core, guildId);
  }

  removeBotFromGuild(guildId: string): void {
    scenario.removeBotFromGuild(this.#core, guildId);
  }

  setGuildUnavailable(guildId: string, unavailable: boolean): void {
    scenario.setGuildUnavailable(this.#core, guildId, unavailable);
  }

  // --- Invites -------------------------------------------------------------------------------

  createInvite(guildId: string, o?: scenario.CreateInviteOptions): SimInvite {
    return scenario.toSimInvite(scenario.createInvite(this.#core, guildId, o));
  }

  /** Someone (default: the owner) deletes the invite: INVITE_DELETE and an audit-log entry. */
  deleteInvite(code: string, actorId?: string): void {
    scenario.deleteInvite(this.#core, code, actorId);
  }

  /** The invite vanishes from GET invites without any event, as a max_age expiry does. */
  expireInvite(code: string): void {
    scenario.expireInvite(this.#core, code);
  }

  /** Current state of an invite; undefined once deleted, used up or expired. */
  getInvite(code: string): SimInvite | undefined {
    const invite = this.#core.world.liveInvite(code);
    return invite ? scenario.toSimInvite(invite) : undefined;
  }

  /**
   * Sets an invite's use count without any join or event: a server's past before the bot arrived
   * (the demo's history). Throws for an invite that is not live.
   */
  setInviteUses(code: string, uses: number): void {
    const invite = this.#core.world.liveInvite(code);
    if (!invite) throw new SimError(`unknown invite ${code}`);
    if (!Number.isInteger(uses) || uses < 0) throw new SimError('uses must be a whole number');
    invite.uses = uses;
  }

  /** Live invites of a guild (what GET /guilds/{id}/invites would list). */
  invites(guildId: string): SimInvite[] {
    return this.#core.world.guildInvites(guildId).map(scenario.toSimInvite);
  }

  setVanity(guildId: string, code: string | null, uses?: number): void {
    scenario.setVanity(this.#core, guildId, code, uses);
  }

  // --- Members -------------------------------------------------------------------------------

  /**
   * A user joins: a member at once, GUILD_MEMBER_ADD and the counter as the join timing says
   * (override per join: eventDelayMs, incrementTiming, incrementDelayMs). Resolves once the
   * GUILD_MEMBER_ADD was dispatched (or buffered for a disconnected shard) and the join is complete
   * (uses incremented, a used-up invite's INVITE_DELETE sent). Rejects with SimError for an
   * unknown/used-up invite, a user who is already a member or bad overrides.
   */
  join(guildId: string, userId: string, via: JoinRequest): Promise<JoinTruth> {
    return join(this.#core, guildId, userId, via);
  }

  leave(guildId: string, userId: string): void {
    leave(this.#core, guildId, userId);
  }

  /** The member disconnects: kicked (GUILD_MEMBER_REMOVE) if they joined via a temporary invite and have no role. */
  disconnectMember(guildId: string, userId: string): boolean {
    return disconnectMember(this.#core, guildId, userId);
  }

  // --- Interactions --------------------------------------------------------------------------

  /** Dispatch INTERACTION_CREATE for a slash command as this user (DM when guildId is omitted). */
  async invokeCommand(o: InvokeOptions): Promise<SimInteraction> {
    return this.#core.interactions.invoke(o);
  }

  getInteraction(id: string): SimInteraction | undefined {
    return this.#core.interactions.byId.get(id);
  }

  // --- OAuth ---------------------------------------------------------------------------------

  /** The user "logged in" in the simulated browser (override per request: ?sim_user= or cookie). */
  setOAuthUser(userId: string | null): void {
    if (userId !== null) this.#core.world.user(userId);
    this.#core.config.oauthUserId = userId;
  }

  /** Registered redirect URIs; null = any http://127.0.0.1 or http://localhost URL. */
  setRedirectUris(uris: string[] | null): void {
    this.#core.config.redirectUris = uris;
  }

  /** Mint a bearer token without the browser round trip. */
  issueAccessToken(userId: string, scopes: string[] = ['identify', 'guilds']): string {
    this.#core.world.user(userId);
    return this.#core.oauth.issue(userId, scopes).accessToken;
  }

  // --- Runtime settings ----------------------------------------------------------------------

  setRateLimit(routeKey: string, rule: RateLimitRule | null): void {
    this.#core.limiter.setRule(routeKey, rule);
  }

  setGlobalRateLimit(limit: { perSecond: number } | null): void {
    this.#core.limiter.global = limit;
  }

  /**
   * The old global switch, kept as shorthand for setJoinTiming: `incrementTiming` sets the
   * after-dispatch probability to 1 or 0, `incrementDelayMs` the gap between counter and
   * GUILD_MEMBER_ADD (both orders) to a fixed value. Event delays are left as they are.
   */
  setInviteTiming(o: { incrementTiming?: IncrementTiming; incrementDelayMs?: number }): void {
    this.#core.config.joinTiming = legacyInviteTiming(this.#core.config.joinTiming, o);
  }

  /**
   * Join timing drawn per join (seeded PRNG with a seed): the GUILD_MEMBER_ADD's delay, the chance
   * that the counter moves after it and how long after. Omitted fields stay. Returns the result.
   */
  setJoinTiming(o: JoinTimingOptions): JoinTiming {
    this.#core.config.joinTiming = mergeJoinTiming(this.#core.config.joinTiming, o);
    return this.joinTiming;
  }

  /** Current join timing (a copy). */
  get joinTiming(): JoinTiming {
    return structuredClone(this.#core.config.joinTiming);
  }

  setInteractionDeadline(ms: number): void {
    this.#core.config.interactionDeadlineMs = ms;
  }

  setRestLatency(ms: number): void {
    this.#core.config.restLatencyMs = ms;
  }

  // --- Observation ---------------------------------------------------------------------------

  /** Every REST/OAuth request, in order of completion (no raw tokens). */
  /** Audit-log entries of a guild, oldest first (only invite deletions are modelled). */
  auditLog(guildId: string): readonly AuditEntryRec[] {
    return this.#core.world.auditLog.get(guildId) ?? [];
  }

  /**
   * Sends any dispatch, however malformed, to the shard that owns `guildId` (shard 0 without one):
   * for testing how a client copes with payloads Discord should never send.
   */
  dispatchRaw(t: string, d: unknown, guildId: string | null): number | null {
    return this.#core.gateway.dispatch(t, d, guildId);
  }

  get requests(): readonly RecordedRequest[] {
    return this.#core.requests;
  }

  /** Messages of one channel, or of every channel (DMs included), oldest first. Ephemeral replies excluded. */
  messages(channelId?: string): SimMessage[] {
    const { world } = this.#core;
    if (channelId) return [...(world.messages.get(channelId) ?? [])];
    return [...world.messages.values()]
      .flat()
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  }

  /** Messages the bot delivered to this user's DM channel. */
  dms(userId: string): SimMessage[] {
    const channelId = this.#core.world.dmChannelByUser.get(userId);
    return channelId ? this.messages(channelId) : [];
  }

  /** DM attempts rejected with 50007. */
  get dmFailures(): readonly DmFailure[] {
    return this.#core.dmFailures;
  }

  /** Ground truth of every join, in order of GUILD_MEMBER_ADD dispatch (joins in flight are not in it yet). */
  get joins(): readonly JoinTruth[] {
    return this.#core.joins;
  }

  /** Number of 429s served (all causes). */
  get rateLimited(): number {
    return this.#core.rateLimited;
  }

  /** 429s of the global limit served (X-RateLimit-Global). */
  get globalRateLimited(): number {
    return this.#core.globalRateLimited;
  }

  /** 429s served per route key. */
  get rateLimitedByRoute(): Readonly<Record<string, number>> {
    return this.#core.rateLimitedByRoute;
  }

  /** Registered commands as the API returns them: global, or of one guild. */
  commands(guildId?: string): Record<string, unknown>[] {
    const { world } = this.#core;
    const list = guildId ? (world.guildCommands.get(guildId) ?? []) : world.globalCommands;
    return list.map((c) => commandPayload(this.#core, c));
  }

  get shards(): ShardsInfo {
    return this.#core.gateway.info();
  }

  /** Every dispatch per session: t, s, shard, live or buffered, replayed or not. */
  get dispatchLog(): readonly DispatchLogEntry[] {
    return this.#core.gateway.log;
  }

  getGuild(guildId: string): SimGuild | undefined {
    const guild = this.#core.world.guilds.get(guildId);
    return guild ? scenario.toSimGuild(guild) : undefined;
  }

  getUser(userId: string): SimUser | undefined {
    const user = this.#core.world.users.get(userId);
    return user ? scenario.toSimUser(user) : undefined;
  }

  getChannel(channelId: string): SimChannel | undefined {
    const channel = this.#core.world.channels.get(channelId);
    return channel ? scenario.toSimChannel(channel) : undefined;
  }

  getMember(guildId: string, userId: string): SimMember | undefined {
    const member = this.#core.world.guilds.get(guildId)?.members.get(userId);
    return member ? scenario.toSimMember(guildId, member) : undefined;
  }

  members(guildId: string): SimMember[] {
    const guild = this.#core.world.guild(guildId);
    return [...guild.members.values()].map((m) => scenario.toSimMember(guildId, m));
  }

  /** Poll (every 5 ms) until the predicate holds; rejects after timeoutMs (default 5000). */
  async waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    await pollUntil(() => predicate() || undefined, timeoutMs, 'a simulator condition');
  }
}

export { SimError };
export type { SimInteraction, InteractionResponseRecord };
