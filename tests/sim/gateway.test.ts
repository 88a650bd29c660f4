import { WebSocketShardEvents, type SessionInfo } from '@discordjs/ws';
import { GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSimulator, type Simulator } from './index';
import { data, sleep, startBot, type TestBot } from './helpers';

let sim: Simulator;
const bots: TestBot[] = [];

beforeEach(async () => {
  sim = await startSimulator({ heartbeatIntervalMs: 250 });
});

afterEach(async () => {
  for (const bot of bots.splice(0)) await bot.destroy();
  await sim.close();
});

async function bot(o: Parameters<typeof startBot>[1] = {}): Promise<TestBot> {
  const b = await startBot(sim, o);
  bots.push(b);
  return b;
}

/** A raw socket for protocol violations the real client never commits. */
async function rawSocket(): Promise<{
  ws: WebSocket;
  frames: Record<string, unknown>[];
  closed: Promise<number>;
}> {
  const ws = new WebSocket(`${sim.gatewayUrl}/?v=10&encoding=json`);
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (raw) => frames.push(JSON.parse(String(raw)) as Record<string, unknown>));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise((resolve) => ws.once('open', resolve));
  return { ws, frames, closed };
}

describe('gateway', () => {
  it('connects through /gateway/bot and gets READY then one GUILD_CREATE per guild', async () => {
    const a = sim.createGuild({ name: 'Alpha', vanityCode: 'alpha' });
    const b = sim.createGuild({ name: 'Beta' });
    const readies: Record<string, unknown>[] = [];
    const guildCreates: Record<string, unknown>[] = [];
    const tb = await startBot(sim, { connect: false });
    bots.push(tb);
    tb.client.on(
      'READY' as never,
      (({ data: d }: { data: Record<string, unknown> }) => readies.push(d)) as never,
    );
    tb.client.on(
      'GUILD_CREATE' as never,
      (({ data: d }: { data: Record<string, unknown> }) => guildCreates.push(d)) as never,
    );
    await tb.gateway.connect();
    await tb.waitForEvent((e) => e.t === 'GUILD_CREATE' && data(e).id === b.id);

    expect(readies).toHaveLength(1);
    const ready = readies[0] ?? {};
    expect(ready.resume_gateway_url).toBe(sim.gatewayUrl);
    expect(ready.session_id).toMatch(/^[0-9a-f]{32}$/);
    expect((ready.user as { id: string }).id).toBe(sim.botUser.id);
    expect(ready.guilds).toEqual([
      { id: a.id, unavailable: true },
      { id: b.id, unavailable: true },
    ]);
    expect(guildCreates.map((g) => g.id)).toEqual([a.id, b.id]);
    const alpha = guildCreates[0] ?? {};
    expect(alpha).toMatchObject({
      name: 'Alpha',
      unavailable: false,
      vanity_url_code: 'alpha',
      member_count: 2,
    });
    expect(alpha.features).toContain('VANITY_URL');
    expect((alpha.roles as { id: string }[]).map((r) => r.id)).toEqual([
      a.everyoneRoleId,
      a.botRoleId,
    ]);
    expect((alpha.channels as { id: string }[]).map((c) => c.id)).toEqual([a.defaultChannelId]);
    // Without GUILD_PRESENCES only the bot's own member is included.
    expect((alpha.members as { user: { id: string } }[]).map((m) => m.user.id)).toEqual([
      sim.botUser.id,
    ]);
    const sequences = tb.events.map((e) => e.s);
    expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
    expect(sim.shards).toMatchObject({ connected: [0], identifies: 1, resumes: 0 });
  });

  it('acknowledges heartbeats', async () => {
    const tb = await bot();
    const latency = await new Promise<number>((resolve) =>
      tb.gateway.once(WebSocketShardEvents.HeartbeatComplete, (stats) => resolve(stats.latency)),
    );
    expect(latency).toBeGreaterThanOrEqual(0);
  });

  it('dispatches GUILD_CREATE for a guild created while connected, CHANNEL_* and GUILD_DELETE', async () => {
    const tb = await bot();
    const g = sim.createGuild();
    const channel = sim.createChannel(g.id, { name: 'logs' });
    sim.setChannelOverwrites(channel.id, [
      { id: g.everyoneRoleId, type: 0, allow: 0n, deny: 1024n },
    ]);
    sim.removeBotFromGuild(g.id);
    const del = await tb.waitForEvent((e) => e.t === 'GUILD_DELETE');
    expect(data(del)).toEqual({ id: g.id });
    expect(tb.events.map((e) => e.t)).toEqual([
      'READY',
      'GUILD_CREATE',
      'CHANNEL_CREATE',
      'CHANNEL_UPDATE',
      'GUILD_DELETE',
    ]);
    const update = tb.events.find((e) => e.t === 'CHANNEL_UPDATE');
    expect(data(update!).permission_overwrites).toEqual([
      { id: g.everyoneRoleId, type: 0, allow: '0', deny: '1024' },
    ]);
    const outage = sim.createGuild();
    sim.setGuildUnavailable(outage.id, true);
    const gone = await tb.waitForEvent((e) => e.t === 'GUILD_DELETE' && data(e).id === outage.id);
    expect(data(gone)).toEqual({ id: outage.id, unavailable: true });
  });

  it('closes with 4004 on a bad token and the manager reports it', async () => {
    const tb = await startBot(sim, { token: 'not.a.token', connect: false });
    bots.push(tb);
    // /gateway/bot itself answers 401 for a bad token, so connect() fails on REST first.
    await expect(tb.gateway.connect()).rejects.toThrow(/401/);
    // With a valid REST token but a wrong gateway token, the gateway refuses with 4004.
    const tb2 = await startBot(sim, { gatewayToken: 'wrong', connect: false });
    bots.push(tb2);
    await expect(tb2.gateway.connect()).rejects.toThrow('Authentication failed');
    expect(tb2.errors.map((e) => e.message)).toContain('Authentication failed');
  });

  it('closes with 4014 for privileged intents the app has not enabled', async () => {
    sim.setPrivilegedIntents(0);
    const tb = await startBot(sim, { connect: false });
    bots.push(tb);
    await expect(tb.gateway.connect()).rejects.toThrow('Used disallowed intents');
    expect(tb.errors.map((e) => e.message)).toEqual(['Used disallowed intents']);
  });

  it('closes with 4013 for unknown intent bits and 4010 for an invalid shard', async () => {
    const bad = await startBot(sim, { intents: 1 << 30, connect: false });
    bots.push(bad);
    await expect(bad.gateway.connect()).rejects.toThrow('Used invalid intents');
    const shard = await startBot(sim, { shardCount: 2, shardIds: [2], connect: false });
    bots.push(shard);
    await expect(shard.gateway.connect()).rejects.toThrow('Invalid shard');
  });

  it('closes with 4003 for a payload before IDENTIFY and 4005 for a second IDENTIFY', async () => {
    const early = await rawSocket();
    early.ws.send(
      JSON.stringify({ op: GatewayOpcodes.RequestGuildMembers, d: { guild_id: '1', limit: 0 } }),
    );
    expect(await early.closed).toBe(4003);

    const twice = await rawSocket();
    const identify = { op: 2, d: { token: sim.token, intents: 1, properties: {}, shard: [0, 1] } };
    twice.ws.send(JSON.stringify(identify));
    twice.ws.send(JSON.stringify(identify));
    expect(await twice.closed).toBe(4005);
    expect(twice.frames[0]).toMatchObject({ op: 10, d: { heartbeat_interval: 250 } });
    expect(twice.frames[1]).toMatchObject({ op: 0, t: 'READY', s: 1 });
  });

  it('answers RESUME of an unknown session with op 9 false; the manager then identifies', async () => {
    const raw = await rawSocket();
    raw.ws.send(JSON.stringify({ op: 6, d: { token: sim.token, session_id: 'nope', seq: 3 } }));
    await sim.waitFor(() => raw.frames.length >= 2);
    expect(raw.frames[1]).toEqual({ op: 9, d: false, s: null, t: null });
    raw.ws.close();

    const stale = new Map<number, SessionInfo>([
      [0, { sessionId: 'gone', sequence: 5, shardId: 0, shardCount: 1, resumeURL: sim.gatewayUrl }],
    ]);
    const tb = await startBot(sim, { sessions: stale, connect: false });
    bots.push(tb);
    const connecting = tb.gateway.connect();
    await tb.waitForEvent((e) => e.t === 'READY');
    await connecting.catch(() => undefined);
    expect(sim.shards.identifies).toBe(1);
    expect(tb.sessions.get(0)?.sessionId).not.toBe('gone');
  });

  it('replays a GUILD_MEMBER_ADD missed during a dropped connection exactly once', async () => {
    const g = sim.createGuild();
    const invite = sim.createInvite(g.id);
    const tb = await bot();
    sim.faults.dropConnections();
    expect(sim.shards.connected).toEqual([]);
    const user = sim.createUser();
    const truth = await sim.join(g.id, user.id, { code: invite.code });
    expect(sim.dispatchLog.at(-1)).toMatchObject({
      t: 'GUILD_MEMBER_ADD',
      delivered: false,
      replay: false,
    });

    const add = await tb.waitForEvent((e) => e.t === 'GUILD_MEMBER_ADD');
    await tb.waitForEvent((e) => e.t === 'RESUMED');
    await sleep(300);
    const adds = tb.events.filter((e) => e.t === 'GUILD_MEMBER_ADD');
    expect(adds).toHaveLength(1);
    expect(add.s).toBe(truth.sequence);
    expect((data(add).user as { id: string }).id).toBe(user.id);
    expect(tb.events.filter((e) => e.t === 'RESUMED')).toHaveLength(1);
    expect(sim.shards).toMatchObject({ identifies: 1, resumes: 1, connected: [0] });
    expect(sim.dispatchLog.filter((d) => d.replay).map((d) => d.t)).toEqual(['GUILD_MEMBER_ADD']);
  });

  it('keeps a dropped session resumable for sessionTtlMs, then forgets it', async () => {
    await sim.close();
    sim = await startSimulator({ heartbeatIntervalMs: 250, sessionTtlMs: 300 });
    const g = sim.createGuild();
    const first = await rawSocket();
    first.ws.send(
      JSON.stringify({ op: 2, d: { token: sim.token, intents: 3, properties: {}, shard: [0, 1] } }),
    );
    await sim.waitFor(() => first.frames.some((f) => f.t === 'GUILD_CREATE'));
    const sessionId = (first.frames[1]?.d as { session_id: string }).session_id;
    const seq = first.frames.at(-1)?.s as number;
    first.ws.terminate();
    await first.closed;
    const user = sim.createUser();
    await sim.join(g.id, user.id, { source: 'discovery' });
    const resume = JSON.stringify({ op: 6, d: { token: sim.token, session_id: sessionId, seq } });

    const second = await rawSocket();
    second.ws.send(resume);
    await sim.waitFor(() => second.frames.some((f) => f.t === 'RESUMED'));
    expect(second.frames.map((f) => f.t ?? f.op)).toEqual([10, 'GUILD_MEMBER_ADD', 'RESUMED']);
    expect(second.frames[1]?.s).toBe(seq + 1);
    second.ws.terminate();
    await second.closed;

    await sleep(450);
    const third = await rawSocket();
    third.ws.send(resume);
    await sim.waitFor(() => third.frames.length >= 2);
    expect(third.frames[1]).toEqual({ op: 9, d: false, s: null, t: null });
    third.ws.close();
  });

  it('lets a new process RESUME a persisted session and replays what it missed', async () => {
    const g = sim.createGuild();
    const persisted = new Map<number, SessionInfo>();
    const first = await startBot(sim, { sessions: persisted, keepSessions: true });
    const before = first.events.length;
    expect(before).toBe(2);
    // Crash: the socket goes away without a clean 1000 close (which would end the session).
    await first.gateway.destroy({ code: 4000, reason: 'crash' });
    const saved = persisted.get(0);
    expect(saved?.sequence).toBe(2);

    const missed = [sim.createUser(), sim.createUser()];
    for (const u of missed) await sim.join(g.id, u.id, { source: 'discovery' });
    const second = await startBot(sim, { sessions: new Map([[0, { ...saved! }]]) });
    bots.push(second);
    await second.waitForEvent((e) => e.t === 'RESUMED');
    expect(second.events.map((e) => e.t)).toEqual([
      'GUILD_MEMBER_ADD',
      'GUILD_MEMBER_ADD',
      'RESUMED',
    ]);
    expect(
      second.events.map((e) => (data(e).user as { id: string } | undefined)?.id).slice(0, 2),
    ).toEqual(missed.map((u) => u.id));
    expect(sim.shards).toMatchObject({ identifies: 1, resumes: 1 });
    // Live events keep flowing on the resumed session.
    const late = sim.createUser();
    await sim.join(g.id, late.id, { source: 'discovery' });
    await second.waitForEvent(
      (e) => e.t === 'GUILD_MEMBER_ADD' && (data(e).user as { id: string }).id === late.id,
    );
  });

  it('ends the session when the client closes with 1000 (destroy): a later RESUME gets op 9 false', async () => {
    const persisted = new Map<number, SessionInfo>();
    const first = await startBot(sim, { sessions: persisted, keepSessions: true });
    await first.destroy();
    const second = await startBot(sim, {
      sessions: new Map([[0, { ...persisted.get(0)! }]]),
      connect: false,
    });
    bots.push(second);
    const connecting = second.gateway.connect();
    await second.waitForEvent((e) => e.t === 'READY');
    await connecting.catch(() => undefined);
    expect(sim.shards.identifies).toBe(2);
    expect(sim.shards.resumes).toBe(0);
  });

  it('RECONNECT (op 7) makes the client resume without losing dispatches', async () => {
    const g = sim.createGuild();
    const tb = await bot();
    sim.faults.reconnect();
    const user = sim.createUser();
    await sim.join(g.id, user.id, { source: 'discovery' });
    await tb.waitForEvent((e) => e.t === 'RESUMED');
    await tb.waitForEvent((e) => e.t === 'GUILD_MEMBER_ADD');
    await sleep(200);
    expect(tb.events.filter((e) => e.t === 'GUILD_MEMBER_ADD')).toHaveLength(1);
    expect(sim.shards).toMatchObject({ identifies: 1, resumes: 1 });
  });

  it('invalid session (op 9 false) forces a fresh IDENTIFY; resumable (true) resumes', async () => {
    sim.createGuild();
    const tb = await bot();
    sim.faults.invalidateSession(true);
    await tb.waitForEvent((e) => e.t === 'RESUMED');
    expect(sim.shards).toMatchObject({ identifies: 1, resumes: 1 });
    sim.faults.invalidateSession(false);
    await sim.waitFor(() => tb.events.filter((e) => e.t === 'READY').length === 2, 5000);
    expect(sim.shards).toMatchObject({ identifies: 2, resumes: 1, connected: [0] });
  });

  it('arbitrary close codes: 4000 resumes, 4009 (session timed out) re-identifies', async () => {
    const tb = await bot();
    sim.faults.closeShard(0, 4000);
    await tb.waitForEvent((e) => e.t === 'RESUMED');
    sim.faults.closeShard(0, 4009);
    await sim.waitFor(() => tb.events.filter((e) => e.t === 'READY').length === 2, 5000);
    expect(sim.shards).toMatchObject({ identifies: 2, resumes: 1, connected: [0] });
  });

  it('a zombie connection (no heartbeat ACK) is resumed by the client', async () => {
    const tb = await bot();
    sim.faults.dropHeartbeatAcks(1);
    await tb.waitForEvent((e) => e.t === 'RESUMED', 5000);
    expect(sim.shards.resumes).toBe(1);
  });

  it('filters dispatches by intents and answers member requests', async () => {
    const g = sim.createGuild();
    const tb = await bot({ intents: GatewayIntentBits.Guilds });
    await sim.join(g.id, sim.createUser().id, { source: 'discovery' });
    sim.createInvite(g.id);
    sim.createChannel(g.id, { name: 'late' });
    await tb.waitForEvent((e) => e.t === 'CHANNEL_CREATE');
    expect(tb.events.map((e) => e.t)).toEqual(['READY', 'GUILD_CREATE', 'CHANNEL_CREATE']);

    const members = await tb.client.requestGuildMembers({ guild_id: g.id, query: '', limit: 0 });
    expect(members.members.map((m) => m.user.id).sort()).toEqual(
      sim
        .members(g.id)
        .map((m) => m.userId)
        .sort(),
    );
  });
});
