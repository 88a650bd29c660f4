/**
 * Join timing against the real @discordjs/ws client: delayed GUILD_MEMBER_ADDs, counters that move
 * after the event, ground truth timestamps, replay, and 5xx on the member list. Assertions are about
 * order, not durations: delays are long compared with what happens in between.
 */
import { API } from '@discordjs/core';
import { HTTPError, REST } from '@discordjs/rest';
import type { SessionInfo } from '@discordjs/ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type JoinPlan, type SimGuild, type Simulator } from './index';
import { data, startBot, type ReceivedDispatch, type TestBot } from './helpers';

let sim: Simulator;
let guild: SimGuild;
const bots: TestBot[] = [];

beforeEach(async () => {
  sim = await startSimulator({ heartbeatIntervalMs: 1000 });
  guild = sim.createGuild();
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

const userOf = (e: ReceivedDispatch) => (data(e).user as { id: string } | undefined)?.id;
const addsOf = (b: TestBot) => b.events.filter((e) => e.t === 'GUILD_MEMBER_ADD');

describe('per-join GUILD_MEMBER_ADD delay', () => {
  it('a delayed add arrives after a later join’s add, with a higher s; other events are not held back', async () => {
    const tb = await bot();
    const invite = sim.createInvite(guild.id);
    const [early, late] = [sim.createUser(), sim.createUser()];
    const delayed = sim.join(guild.id, early.id, { code: invite.code, eventDelayMs: 400 });
    // The member exists and the use is counted at once; only the event lags.
    expect(sim.getMember(guild.id, early.id)).toBeDefined();
    expect(sim.getInvite(invite.code)?.uses).toBe(1);
    const prompt = sim.join(guild.id, late.id, { code: invite.code });
    const other = sim.createInvite(guild.id);
    const [first, second] = await Promise.all([delayed, prompt]);

    await sim.waitFor(() => addsOf(tb).length === 2);
    expect(addsOf(tb).map(userOf)).toEqual([late.id, early.id]);
    const order = tb.events
      .filter((e) => ['GUILD_MEMBER_ADD', 'INVITE_CREATE'].includes(e.t))
      .map((e) =>
        e.t === 'INVITE_CREATE' ? `CREATE ${String(data(e).code)}` : `ADD ${userOf(e)}`,
      );
    expect(order).toEqual([
      `CREATE ${invite.code}`,
      `CREATE ${other.code}`,
      `ADD ${late.id}`,
      `ADD ${early.id}`,
    ]);
    expect(first.sequence).toBeGreaterThan(second.sequence!);
    expect(addsOf(tb).map((e) => e.s)).toEqual([second.sequence, first.sequence]);
    // joined_at stays the join time; the truth lists joins in dispatch order.
    expect(Date.parse(first.joinedAt)).toBeLessThanOrEqual(Date.parse(second.joinedAt));
    expect((data(addsOf(tb)[1]!) as { joined_at: string }).joined_at).toBe(first.joinedAt);
    expect(sim.joins.map((j) => j.userId)).toEqual([late.id, early.id]);
    expect(first.plan).toEqual({
      eventDelayMs: 400,
      incrementTiming: 'before-dispatch',
      incrementDelayMs: 0,
    });
    expect(first.countedAt).toBeLessThanOrEqual(second.countedAt!);
    expect(first.dispatchedAt).toBeGreaterThanOrEqual(second.dispatchedAt);
    expect(first.dispatchedAt - first.countedAt!).toBeGreaterThanOrEqual(399);
  });

  it('a global distribution delays every join; a per-join eventDelayMs overrides it', async () => {
    const tb = await bot();
    sim.setJoinTiming({ eventDelay: { kind: 'fixed', ms: 300 } });
    const [slow, fast] = [sim.createUser(), sim.createUser()];
    const [a, b] = await Promise.all([
      sim.join(guild.id, slow.id, { source: 'discovery' }),
      sim.join(guild.id, fast.id, { source: 'discovery', eventDelayMs: 0 }),
    ]);
    await sim.waitFor(() => addsOf(tb).length === 2);
    expect(addsOf(tb).map(userOf)).toEqual([fast.id, slow.id]);
    expect(a.plan.eventDelayMs).toBe(300);
    expect(b.plan.eventDelayMs).toBe(0);
    // No counter moves for a discovery join.
    expect([a.countedAt, b.countedAt]).toEqual([null, null]);
  });

  it('a delayed add missed while disconnected is replayed on RESUME in the order it was sent', async () => {
    const persisted = new Map<number, SessionInfo>();
    const first = await startBot(sim, { sessions: persisted, keepSessions: true });
    await first.gateway.destroy({ code: 4000, reason: 'crash' });
    const invite = sim.createInvite(guild.id);
    const [early, late] = [sim.createUser(), sim.createUser()];
    const truths = await Promise.all([
      sim.join(guild.id, early.id, { code: invite.code, eventDelayMs: 200 }),
      sim.join(guild.id, late.id, { code: invite.code }),
    ]);

    const second = await bot({ sessions: new Map([[0, { ...persisted.get(0)! }]]) });
    await second.waitForEvent((e) => e.t === 'RESUMED');
    expect(second.events.map((e) => e.t)).toEqual([
      'INVITE_CREATE',
      'GUILD_MEMBER_ADD',
      'GUILD_MEMBER_ADD',
      'RESUMED',
    ]);
    expect(addsOf(second).map(userOf)).toEqual([late.id, early.id]);
    expect(addsOf(second).map((e) => e.s)).toEqual([truths[1].sequence, truths[0].sequence]);
    const seqs = second.events.map((e) => e.s);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(sim.shards).toMatchObject({ identifies: 1, resumes: 1 });
  });

  it('a member whose add is still pending cannot leave yet', async () => {
    const user = sim.createUser();
    const joining = sim.join(guild.id, user.id, { source: 'discovery', eventDelayMs: 200 });
    expect(() => sim.leave(guild.id, user.id)).toThrow(/still in flight/);
    await joining;
    sim.leave(guild.id, user.id);
    expect(sim.getMember(guild.id, user.id)).toBeUndefined();
  });
});

describe('counter after the dispatch', () => {
  it('per join: the add is sent while uses is still 0; the counter moves incrementDelayMs later', async () => {
    const tb = await bot();
    const invite = sim.createInvite(guild.id);
    const user = sim.createUser();
    const joining = sim.join(guild.id, user.id, {
      code: invite.code,
      incrementTiming: 'after-dispatch',
      incrementDelayMs: 1000,
    });
    await tb.waitForEvent((e) => e.t === 'GUILD_MEMBER_ADD');
    expect((await tb.client.api.guilds.getInvites(guild.id))[0]?.uses).toBe(0);
    expect(sim.joins[0]?.countedAt).toBeNull();
    const truth = await joining;
    expect(sim.getInvite(invite.code)?.uses).toBe(1);
    expect(truth.plan.incrementTiming).toBe('after-dispatch');
    expect(truth.countedAt! - truth.dispatchedAt).toBeGreaterThanOrEqual(999);
    expect(sim.joins[0]).toBe(truth);
  });

  it('globally with a probability and its own delay (probability 1: every join)', async () => {
    sim.setJoinTiming({
      incrementAfterDispatch: { probability: 1, delay: { kind: 'fixed', ms: 200 } },
    });
    const invite = sim.createInvite(guild.id);
    const truths = await Promise.all(
      [sim.createUser(), sim.createUser()].map((u) =>
        sim.join(guild.id, u.id, { code: invite.code }),
      ),
    );
    for (const t of truths) {
      expect(t.plan).toEqual({
        eventDelayMs: 0,
        incrementTiming: 'after-dispatch',
        incrementDelayMs: 200,
      });
      expect(t.countedAt!).toBeGreaterThanOrEqual(t.dispatchedAt + 199);
    }
    // A per-join choice wins over the global probability.
    const before = await sim.join(guild.id, sim.createUser().id, {
      code: invite.code,
      incrementTiming: 'before-dispatch',
    });
    expect(before.countedAt!).toBeLessThanOrEqual(before.dispatchedAt);
    expect(sim.getInvite(invite.code)?.uses).toBe(3);
  });

  it('a max-uses invite: INVITE_DELETE follows the actual increment, not the add', async () => {
    const tb = await bot();
    const invite = sim.createInvite(guild.id, { maxUses: 1 });
    const user = sim.createUser();
    const joining = sim.join(guild.id, user.id, {
      code: invite.code,
      incrementTiming: 'after-dispatch',
      incrementDelayMs: 1000,
    });
    await sim.waitFor(() => sim.dispatchLog.some((d) => d.t === 'GUILD_MEMBER_ADD'));
    // Still listed (and reserved: nobody else can use it) until the counter moves.
    expect(sim.getInvite(invite.code)?.uses).toBe(0);
    await expect(sim.join(guild.id, sim.createUser().id, { code: invite.code })).rejects.toThrow(
      /used up/,
    );
    const truth = await joining;
    expect(sim.getInvite(invite.code)).toBeUndefined();
    const del = sim.dispatchLog.find((d) => d.t === 'INVITE_DELETE')!;
    expect(del.at).toBeGreaterThanOrEqual(truth.countedAt!);
    expect(del.s).toBeGreaterThan(truth.sequence!);
    await tb.waitForEvent((e) => e.t === 'INVITE_DELETE');
    expect(
      tb.events
        .filter((e) => e.t === 'GUILD_MEMBER_ADD' || e.t === 'INVITE_DELETE')
        .map((e) => e.t),
    ).toEqual(['GUILD_MEMBER_ADD', 'INVITE_DELETE']);
  });

  it('an invite deleted before a late counter moves: nothing is counted, one INVITE_DELETE', async () => {
    const tb = await bot();
    const invite = sim.createInvite(guild.id, { maxUses: 1 });
    const joining = sim.join(guild.id, sim.createUser().id, {
      code: invite.code,
      incrementTiming: 'after-dispatch',
      incrementDelayMs: 1000,
    });
    await sim.waitFor(() => sim.joins.length === 1);
    sim.deleteInvite(invite.code);
    const truth = await joining;
    expect(truth.countedAt).toBeNull();
    // The join's end would have sent a second one for the used-up invite.
    expect(sim.dispatchLog.filter((d) => d.t === 'INVITE_DELETE')).toHaveLength(1);
    await tb.waitForEvent((e) => e.t === 'INVITE_DELETE');
  });

  it('before-dispatch with an event delay: the used-up invite is gone at once, INVITE_DELETE after the add', async () => {
    const tb = await bot();
    const invite = sim.createInvite(guild.id, { maxUses: 1 });
    const joining = sim.join(guild.id, sim.createUser().id, {
      code: invite.code,
      eventDelayMs: 200,
    });
    expect(sim.getInvite(invite.code)).toBeUndefined();
    expect(sim.dispatchLog.some((d) => d.t === 'INVITE_DELETE')).toBe(false);
    await joining;
    await tb.waitForEvent((e) => e.t === 'INVITE_DELETE');
    expect(
      tb.events
        .filter((e) => e.t === 'GUILD_MEMBER_ADD' || e.t === 'INVITE_DELETE')
        .map((e) => e.t),
    ).toEqual(['GUILD_MEMBER_ADD', 'INVITE_DELETE']);
  });
});

describe('seeded join timing', () => {
  const timing = {
    eventDelay: { kind: 'uniform', minMs: 0, maxMs: 20 },
    incrementAfterDispatch: {
      probability: 0.5,
      delay: { kind: 'lognormal', medianMs: 5, p99Ms: 30 },
    },
  } as const;

  /** Plans of `joins` joins, and the code of an invite created after them. */
  async function run(
    seed: number,
    joins: number,
  ): Promise<{ plans: JoinPlan[]; codeAfter: string }> {
    const s = await startSimulator({ seed, joinTiming: timing });
    try {
      const g = s.createGuild();
      const invite = s.createInvite(g.id);
      const users = Array.from({ length: 8 }, () => s.createUser());
      const truths = await Promise.all(
        users.slice(0, joins).map((u) => s.join(g.id, u.id, { code: invite.code })),
      );
      return { plans: truths.map((t) => t.plan), codeAfter: s.createInvite(g.id).code };
    } finally {
      await s.close();
    }
  }

  it('the same seed draws the same delays; timing draws do not shift seeded ids and codes', async () => {
    const a = await run(5, 8);
    const b = await run(5, 8);
    const other = await run(6, 8);
    expect(a.plans).toEqual(b.plans);
    expect(a.plans).not.toEqual(other.plans);
    expect(new Set(a.plans.map((p) => p.incrementTiming)).size).toBe(2);
    expect((await run(5, 0)).codeAfter).toBe(a.codeAfter);
  });
});

describe('5xx on the member list', () => {
  it('GET /guilds/:id/members is fault-injectable; @discordjs/rest retries, then gives up', async () => {
    const api = new API(new REST({ api: sim.api, offset: 0 }).setToken(sim.token));
    sim.faults.serverError('/guilds/:id/members', { count: 2 });
    const members = await api.guilds.getMembers(guild.id, { limit: 1000 });
    expect(members.map((m) => m.user.id).sort()).toEqual(
      sim
        .members(guild.id)
        .map((m) => m.userId)
        .sort(),
    );
    const listed = () => sim.requests.filter((r) => r.routeKey === 'GET /guilds/:id/members');
    expect(listed().map((r) => r.status)).toEqual([500, 500, 200]);
    // The bare path matches only the list, not a single member.
    sim.faults.serverError('/guilds/:id/members', { count: 4, status: 503 });
    expect((await api.guilds.getMember(guild.id, guild.ownerId)).user.id).toBe(guild.ownerId);
    const error = await api.guilds.getMembers(guild.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect((error as HTTPError).status).toBe(503);
    expect(
      listed()
        .slice(3)
        .map((r) => r.status),
    ).toEqual([503, 503, 503, 503]);
  });
});
