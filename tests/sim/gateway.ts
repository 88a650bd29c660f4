/**
 * The gateway: HELLO, IDENTIFY checks with Discord's close codes, READY + GUILD_CREATE, heartbeats,
 * RESUME with replay, and dispatch routing by shard. Sessions outlive their socket for
 * sessionTtlMs, buffering dispatches, so any client (even a new process) that kept session_id and
 * seq can RESUME and receive each missed dispatch exactly once.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GatewayIntentBits } from 'discord-api-types/v10';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Core } from './core';
import { guildCreatePayload, memberPayload, userPayload } from './payloads';
import { shardForGuild } from './snowflake';
import type { GuildRec } from './state';
import type { DispatchLogEntry, ShardsInfo } from './types';

type Frame = { op: number; d: unknown; s: number | null; t: string | null };
type DispatchFrame = { op: 0; d: unknown; s: number; t: string; guildId: string | null };

const OP = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
  RequestSoundboardSounds: 31,
} as const;

const ALL_INTENTS = Object.values(GatewayIntentBits)
  .filter((v): v is number => typeof v === 'number')
  .reduce((all, bit) => all | bit, 0);
const PRIVILEGED_INTENTS =
  GatewayIntentBits.GuildMembers |
  GatewayIntentBits.GuildPresences |
  GatewayIntentBits.MessageContent;

/** Which intent a dispatch needs; events not listed (INTERACTION_CREATE) need none. */
const EVENT_INTENTS: Record<string, number> = {
  GUILD_CREATE: GatewayIntentBits.Guilds,
  GUILD_UPDATE: GatewayIntentBits.Guilds,
  GUILD_DELETE: GatewayIntentBits.Guilds,
  GUILD_ROLE_CREATE: GatewayIntentBits.Guilds,
  GUILD_ROLE_UPDATE: GatewayIntentBits.Guilds,
  GUILD_ROLE_DELETE: GatewayIntentBits.Guilds,
  CHANNEL_CREATE: GatewayIntentBits.Guilds,
  CHANNEL_UPDATE: GatewayIntentBits.Guilds,
  CHANNEL_DELETE: GatewayIntentBits.Guilds,
  GUILD_MEMBER_ADD: GatewayIntentBits.GuildMembers,
  GUILD_MEMBER_UPDATE: GatewayIntentBits.GuildMembers,
  GUILD_MEMBER_REMOVE: GatewayIntentBits.GuildMembers,
  INVITE_CREATE: GatewayIntentBits.GuildInvites,
  INVITE_DELETE: GatewayIntentBits.GuildInvites,
};

/** Close codes after which the session is gone for good (when we close with them). */
const SESSION_ENDING_CODES = new Set([1000, 1001, 4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014]);
/** Replay buffer cap per session; a RESUME older than what is kept gets op 9 false. */
const MAX_BUFFER = 20_000;

class Session {
  seq = 0;
  readonly buffer: DispatchFrame[] = [];
  conn: Connection | null = null;
  expireTimer: NodeJS.Timeout | null = null;
  resumes = 0;
  readonly createdAt = Date.now();
  constructor(
    readonly id: string,
    readonly shardId: number,
    readonly shardCount: number,
    readonly intents: number,
    readonly largeThreshold: number,
  ) {}
}

class Connection {
  session: Session | null = null;
  /** IDENTIFY or RESUME accepted on this socket. */
  authenticated = false;
  /** After op 9 true the client may RESUME on the same socket. */
  mayResume = false;
  /** Close code we sent, so onClose knows who ended the socket. */
  serverCloseCode: number | null = null;
  sentInWindow = 0;
  windowStart = Date.now();
  constructor(readonly ws: WebSocket) {}
}

export class Gateway {
  readonly #core: Core;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sessions = new Map<string, Session>();
  readonly #conns = new Set<Connection>();
  readonly log: DispatchLogEntry[] = [];
  identifies = 0;
  resumes = 0;
  heartbeatAckDrops = 0;

  constructor(core: Core) {
    this.#core = core;
  }

  /** Any path and query is accepted: clients add ?v=10&encoding=json to url/resume_gateway_url. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws));
  }

  #onConnection(ws: WebSocket): void {
    const conn = new Connection(ws);
    this.#conns.add(conn);
    ws.on('message', (data, isBinary) => this.#onMessage(conn, data, isBinary));
    ws.on('close', (code) => this.#onClose(conn, code));
    ws.on('error', () => this.#detach(conn));
    this.#send(conn, {
      op: OP.Hello,
      d: {
        heartbeat_interval: this.#core.config.heartbeatIntervalMs,
        _trace: ['["discord-sim-gateway",{"micros":0}]'],
      },
      s: null,
      t: null,
    });
  }

  #send(conn: Connection, frame: Frame): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(frame));
  }

  #close(conn: Connection, code: number, reason: string): void {
    conn.serverCloseCode = code;
    this.#detach(conn);
    // Codes a close frame may not carry (1005, 1006, ...) become an abrupt drop instead.
    if (sendableCloseCode(code)) conn.ws.close(code, reason);
    else conn.ws.terminate();
  }

  /** Unlink a socket from its session; the session stays resumable for sessionTtlMs. */
  #detach(conn: Connection): void {
    const session = conn.session;
    conn.session = null;
    if (!session || session.conn !== conn) return;
    session.conn = null;
    if (conn.serverCloseCode !== null && SESSION_ENDING_CODES.has(conn.serverCloseCode)) {
      this.#endSession(session);
      return;
    }
    this.#scheduleExpiry(session);
  }

  #scheduleExpiry(session: Session): void {
    if (session.expireTimer) clearTimeout(session.expireTimer);
    session.expireTimer = setTimeout(() => {
      if (!session.conn) this.#endSession(session);
    }, this.#core.config.sessionTtlMs);
    session.expireTimer.unref();
  }

  #endSession(session: Session): void {
    if (session.expireTimer) clearTimeout(session.expireTimer);
    session.expireTimer = null;
    this.#sessions.delete(session.id);
  }

  #onClose(conn: Connection, code: number): void {
    this.#conns.delete(conn);
    const session = conn.session;
    // A client closing with 1000/1001 ends its session (Discord: the bot goes offline).
    if (session && conn.serverCloseCode === null && (code === 1000 || code === 1001)) {
      conn.session = null;
      if (session.conn === conn) session.conn = null;
      this.#endSession(session);
      return;
    }
    this.#detach(conn);
  }

  #onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    // Discord allows 120 payloads per 60 s per connection.
    const now = Date.now();
    if (now - conn.windowStart >= 60_000) {
      conn.windowStart = now;
      conn.sentInWindow = 0;
    }
    if (++conn.sentInWindow > 120) return this.#close(conn, 4008, 'Rate limited.');
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary || buffer.length > 4096)
      return this.#close(conn, 4002, 'Error while decoding payload.');
    let payload: { op?: unknown; d?: unknown };
    try {
      payload = JSON.parse(buffer.toString('utf8')) as { op?: unknown; d?: unknown };
    } catch {
      return this.#close(conn, 4002, 'Error while decoding payload.');
    }
    if (typeof payload !== 'object' || payload === null) {
      return this.#close(conn, 4002, 'Error while decoding payload.');
    }
    switch (payload.op) {
      case OP.Heartbeat:
        if (this.heartbeatAckDrops > 0) this.heartbeatAckDrops--;
        else this.#send(conn, { op: OP.HeartbeatAck, d: null, s: null, t: null });
        return;
      case OP.Identify:
        if (conn.authenticated) return this.#close(conn, 4005, 'Already authenticated.');
        return this.#identify(conn, payload.d);
      case OP.Resume:
        if (conn.authenticated && !conn.mayResume) {
          return this.#close(conn, 4005, 'Already authenticated.');
        }
        return this.#resume(conn, payload.d);
      case OP.PresenceUpdate:
      case OP.VoiceStateUpdate:
      case OP.RequestSoundboardSounds:
        if (!conn.authenticated) return this.#close(conn, 4003, 'Not authenticated.');
        return;
      case OP.RequestGuildMembers:
        if (!conn.authenticated) return this.#close(conn, 4003, 'Not authenticated.');
        return this.#requestGuildMembers(conn, payload.d);
      default:
        if (!conn.authenticated) return this.#close(conn, 4003, 'Not authenticated.');
        return this.#close(conn, 4001, 'Unknown opcode.');
    }
  }

  #tokenMatches(token: unknown): boolean {
    if (typeof token !== 'string') return false;
    return token.replace(/^Bot /, '') === this.#core.token;
  }

  #guildsOnShard(shardId: number, shardCount: number): GuildRec[] {
    return [...this.#core.world.guilds.values()].filter(
      (g) => g.botPresent && shardForGuild(g.id, shardCount) === shardId,
    );
  }

  #identify(conn: Connection, d: unknown): void {
    const data = (typeof d === 'object' && d !== null ? d : {}) as Record<string, unknown>;
    if (!this.#tokenMatches(data.token)) return this.#close(conn, 4004, 'Authentication failed.');
    const shard = data.shard ?? [0, 1];
    if (
      !Array.isArray(shard) ||
      shard.length !== 2 ||
      !shard.every((n) => Number.isInteger(n)) ||
      (shard[1] as number) < 1 ||
      (shard[0] as number) < 0 ||
      (shard[0] as number) >= (shard[1] as number)
    ) {
      return this.#close(conn, 4010, 'Invalid shard.');
    }
    const [shardId, shardCount] = shard as [number, number];
    const intents = data.intents;
    if (
      typeof intents !== 'number' ||
      !Number.isInteger(intents) ||
      intents < 0 ||
      intents & ~ALL_INTENTS
    ) {
      return this.#close(conn, 4013, 'Invalid intent(s).');
    }
    if (intents & PRIVILEGED_INTENTS & ~this.#core.config.privilegedIntents) {
      return this.#close(conn, 4014, 'Disallowed intent(s).');
    }
    const guilds = this.#guildsOnShard(shardId, shardCount);
    if (guilds.length > this.#core.config.maxGuildsPerShard) {
      return this.#close(conn, 4011, 'Sharding required.');
    }
    const largeThreshold =
      typeof data.large_threshold === 'number'
        ? Math.min(250, Math.max(50, data.large_threshold))
        : 50;
    const session = new Session(
      this.#core.ids.hex(32),
      shardId,
      shardCount,
      intents,
      largeThreshold,
    );
    this.#sessions.set(session.id, session);
    this.identifies++;
    conn.authenticated = true;
    conn.session = session;
    session.conn = conn;

    const bot = this.#core.botUser;
    // READY is not replayable (a client that missed it has no session), so it is not buffered.
    this.#send(conn, {
      op: OP.Dispatch,
      t: 'READY',
      s: ++session.seq,
      d: {
        v: 10,
        user: { ...userPayload(bot), verified: true, mfa_enabled: false, email: null },
        user_settings: {},
        guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
        private_channels: [],
        presences: [],
        relationships: [],
        guild_join_requests: [],
        geo_ordered_rtc_regions: [],
        auth: {},
        session_type: 'normal',
        session_id: session.id,
        resume_gateway_url: this.#core.gatewayUrl,
        shard: [shardId, shardCount],
        application: { id: this.#core.applicationId, flags: applicationFlags(this.#core) },
        _trace: ['["discord-sim-gateway",{"micros":0}]'],
      },
    });
    if (intents & GatewayIntentBits.Guilds) {
      for (const guild of guilds) {
        if (guild.unavailable) continue;
        this.#deliver(
          session,
          'GUILD_CREATE',
          guildCreatePayload(this.#core, guild, intents, largeThreshold),
          guild.id,
        );
      }
    }
  }

  #resume(conn: Connection, d: unknown): void {
    const data = (typeof d === 'object' && d !== null ? d : {}) as Record<string, unknown>;
    if (!this.#tokenMatches(data.token)) return this.#close(conn, 4004, 'Authentication failed.');
    const session =
      typeof data.session_id === 'string' ? this.#sessions.get(data.session_id) : undefined;
    const seq = data.seq;
    const oldest = session?.buffer[0]?.s;
    if (
      !session ||
      typeof seq !== 'number' ||
      !Number.isInteger(seq) ||
      (oldest !== undefined && seq < oldest - 1)
    ) {
      // Unknown, expired or too old: the client must IDENTIFY again.
      if (session) this.#endSession(session);
      conn.mayResume = false;
      this.#send(conn, { op: OP.InvalidSession, d: false, s: null, t: null });
      return;
    }
    if (seq > session.seq) return this.#close(conn, 4007, 'Invalid seq.');
    if (session.conn && session.conn !== conn) {
      const old = session.conn;
      old.session = null;
      old.serverCloseCode = 4000;
      old.ws.terminate();
    }
    if (session.expireTimer) clearTimeout(session.expireTimer);
    session.expireTimer = null;
    if (conn.session && conn.session !== session) this.#detach(conn);
    conn.authenticated = true;
    conn.mayResume = false;
    conn.session = session;
    session.conn = conn;
    session.resumes++;
    this.resumes++;
    for (const frame of session.buffer) {
      if (frame.s <= seq) continue;
      this.#send(conn, { op: 0, t: frame.t, s: frame.s, d: frame.d });
      this.log.push({
        t: frame.t,
        s: frame.s,
        shard: session.shardId,
        sessionId: session.id,
        guildId: frame.guildId,
        at: Date.now(),
        delivered: true,
        replay: true,
      });
    }
    this.#send(conn, { op: OP.Dispatch, t: 'RESUMED', s: ++session.seq, d: { _trace: [] } });
  }

  #requestGuildMembers(conn: Connection, d: unknown): void {
    const session = conn.session;
    if (!session) return;
    const data = (typeof d === 'object' && d !== null ? d : {}) as Record<string, unknown>;
    const guildIds = Array.isArray(data.guild_id) ? data.guild_id : [data.guild_id];
    for (const guildId of guildIds) {
      if (typeof guildId !== 'string') continue;
      const guild = this.#core.world.guilds.get(guildId);
      if (!guild || !guild.botPresent) continue;
      let members = [...guild.members.values()];
      const notFound: string[] = [];
      if (Array.isArray(data.user_ids) || typeof data.user_ids === 'string') {
        const ids = (Array.isArray(data.user_ids) ? data.user_ids : [data.user_ids]).map(String);
        members = members.filter((m) => ids.includes(m.userId));
        for (const id of ids) if (!guild.members.has(id)) notFound.push(id);
      } else {
        const query = typeof data.query === 'string' ? data.query.toLowerCase() : '';
        members = members.filter((m) =>
          this.#core.world.user(m.userId).username.toLowerCase().startsWith(query),
        );
        const limit = typeof data.limit === 'number' && data.limit > 0 ? data.limit : Infinity;
        members = members.slice(0, limit);
      }
      const chunks: (typeof members)[] = [];
      for (let i = 0; i < members.length; i += 1000) chunks.push(members.slice(i, i + 1000));
      if (chunks.length === 0) chunks.push([]);
      chunks.forEach((chunk, index) => {
        this.#deliver(
          session,
          'GUILD_MEMBERS_CHUNK',
          {
            guild_id: guild.id,
            members: chunk.map((m) => memberPayload(this.#core, m)),
            chunk_index: index,
            chunk_count: chunks.length,
            ...(index === 0 && notFound.length > 0 ? { not_found: notFound } : {}),
            ...(data.nonce !== undefined ? { nonce: data.nonce } : {}),
          },
          guild.id,
        );
      });
    }
  }

  /** Append to the session's replay buffer and send if a socket is attached. */
  #deliver(session: Session, t: string, d: unknown, guildId: string | null): number {
    const frame: DispatchFrame = { op: 0, t, s: ++session.seq, d, guildId };
    session.buffer.push(frame);
    // Trim in batches: shift() per event would be O(n) each under benchmark load.
    if (session.buffer.length > MAX_BUFFER * 1.5) {
      session.buffer.splice(0, session.buffer.length - MAX_BUFFER);
    }
    const conn = session.conn;
    if (conn) this.#send(conn, { op: 0, t, s: frame.s, d });
    this.log.push({
      t,
      s: frame.s,
      shard: session.shardId,
      sessionId: session.id,
      guildId,
      at: Date.now(),
      delivered: conn !== null,
      replay: false,
    });
    return frame.s;
  }

  /**
   * Route a dispatch to every live session of the right shard ((guild_id >> 22) % count, or shard 0
   * without a guild) whose intents cover the event. Returns `s` in the bot's primary session
   * (connected first, then newest), or null when no session took it.
   */
  dispatch(t: string, d: unknown, guildId: string | null): number | null {
    // The bot hears nothing from guilds it is not in (GUILD_DELETE is sent before it leaves).
    if (guildId && !this.#core.world.guilds.get(guildId)?.botPresent) return null;
    const intent = EVENT_INTENTS[t] ?? 0;
    let best: { session: Session; s: number } | null = null;
    for (const session of this.#sessions.values()) {
      if (intent && !(session.intents & intent)) continue;
      const shard = guildId ? shardForGuild(guildId, session.shardCount) : 0;
      if (shard !== session.shardId) continue;
      const payload =
        t === 'GUILD_CREATE' && guildId
          ? guildCreatePayload(
              this.#core,
              this.#core.world.guild(guildId),
              session.intents,
              session.largeThreshold,
            )
          : d;
      const s = this.#deliver(session, t, payload, guildId);
      const better =
        !best ||
        (session.conn !== null && best.session.conn === null) ||
        ((session.conn !== null) === (best.session.conn !== null) &&
          session.createdAt >= best.session.createdAt);
      if (better) best = { session, s };
    }
    return best?.s ?? null;
  }

  #connsFor(shardId: number | undefined): Connection[] {
    return [...this.#conns].filter((c) => shardId === undefined || c.session?.shardId === shardId);
  }

  dropConnections(shardId?: number): void {
    for (const conn of this.#connsFor(shardId)) {
      this.#detach(conn);
      conn.ws.terminate();
    }
  }

  sendReconnect(shardId?: number): void {
    for (const conn of this.#connsFor(shardId)) {
      if (conn.session) this.#send(conn, { op: OP.Reconnect, d: null, s: null, t: null });
    }
  }

  invalidateSessions(resumable: boolean, shardId?: number): void {
    for (const conn of this.#connsFor(shardId)) {
      const session = conn.session;
      if (!session) continue;
      if (resumable) {
        conn.mayResume = true;
      } else {
        conn.session = null;
        session.conn = null;
        this.#endSession(session);
      }
      this.#send(conn, { op: OP.InvalidSession, d: resumable, s: null, t: null });
    }
  }

  closeShard(shardId: number, code: number): void {
    for (const conn of this.#connsFor(shardId)) this.#close(conn, code, 'Closed by the simulator.');
  }

  info(): ShardsInfo {
    const sessions = [...this.#sessions.values()].map((s) => ({
      sessionId: s.id,
      shardId: s.shardId,
      shardCount: s.shardCount,
      intents: s.intents,
      connected: s.conn !== null,
      seq: s.seq,
      resumes: s.resumes,
      createdAt: s.createdAt,
    }));
    const connected = [...new Set(sessions.filter((s) => s.connected).map((s) => s.shardId))].sort(
      (a, b) => a - b,
    );
    return { connected, identifies: this.identifies, resumes: this.resumes, sessions };
  }

  close(): void {
    for (const conn of this.#conns) conn.ws.terminate();
    this.#conns.clear();
    for (const session of this.#sessions.values()) {
      if (session.expireTimer) clearTimeout(session.expireTimer);
    }
    this.#sessions.clear();
    this.#wss.close();
  }
}

function sendableCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}

/** Application flags: the *_LIMITED bits say which privileged intents are enabled. */
export function applicationFlags(core: Core): number {
  const p = core.config.privilegedIntents;
  let flags = 0;
  if (p & GatewayIntentBits.GuildPresences) flags |= 1 << 13;
  if (p & GatewayIntentBits.GuildMembers) flags |= 1 << 15;
  if (p & GatewayIntentBits.MessageContent) flags |= 1 << 19;
  return flags;
}
