import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { API } from '@discordjs/core';
import { REST } from '@discordjs/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './index';
import { data, startBot, type TestBot } from './helpers';

let sim: Simulator;
let bot: TestBot | undefined;

beforeEach(async () => {
  sim = await startSimulator({ heartbeatIntervalMs: 1000 });
});

afterEach(async () => {
  await bot?.destroy();
  bot = undefined;
  await sim.close();
});

async function control<T>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const res = await fetch(`${sim.controlUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: res.status, json: (await res.json()) as T };
}

describe('control API (/_sim)', () => {
  it('builds a scenario over HTTP and reports the ground truth', async () => {
    bot = await startBot(sim);
    const { json: owner } = await control<{ id: string }>('POST', '/users', { username: 'owner' });
    const { json: guild } = await control<{
      id: string;
      defaultChannelId: string;
      botRoleId: string;
    }>('POST', '/guilds', {
      name: 'Demo',
      ownerId: owner.id,
      botPermissions: '8',
      vanityCode: 'demo',
    });
    expect(guild.id).toMatch(/^\d{17,19}$/);
    const { json: invite } = await control<{ code: string; inviterId: string }>(
      'POST',
      `/guilds/${guild.id}/invites`,
      {
        maxUses: 10,
      },
    );
    expect(invite.inviterId).toBe(owner.id);
    const { json: joiner } = await control<{ id: string }>('POST', '/users', {});
    const { status, json: truth } = await control<Record<string, unknown>>(
      'POST',
      `/guilds/${guild.id}/join`,
      {
        userId: joiner.id,
        code: invite.code,
      },
    );
    expect(status).toBe(200);
    expect(truth).toMatchObject({
      userId: joiner.id,
      via: 'code',
      code: invite.code,
      inviterId: owner.id,
    });
    const add = await bot.waitForEvent((e) => e.t === 'GUILD_MEMBER_ADD');
    expect(add.s).toBe(truth.sequence);
    expect((await control<unknown[]>('GET', '/joins')).json).toEqual([truth]);
    expect((await control<{ uses: number }>('GET', `/invites/${invite.code}`)).json.uses).toBe(1);

    const again = await control<{ error: string }>('POST', `/guilds/${guild.id}/join`, {
      userId: joiner.id,
      vanity: true,
    });
    expect(again.status).toBe(400);
    expect(again.json.error).toMatch(/already a member/);
    expect((await control('GET', '/nope')).status).toBe(404);

    const { json: inter } = await control<{ id: string; token: string }>('POST', '/interactions', {
      userId: joiner.id,
      guildId: guild.id,
      name: 'invites',
    });
    const event = await bot.waitForEvent((e) => e.t === 'INTERACTION_CREATE');
    expect(data(event).id).toBe(inter.id);
    await bot.client.api.interactions.reply(inter.id, inter.token, { content: 'ok' });
    const view = await control<{ responses: { type: number }[]; original: { content: string } }>(
      'GET',
      `/interactions/${inter.id}`,
    );
    expect(view.json.responses[0]?.type).toBe(4);
    expect(view.json.original.content).toBe('ok');
  });

  it('injects faults and changes settings over HTTP', async () => {
    const g = sim.createGuild();
    const api = new API(new REST({ api: sim.api, offset: 0 }).setToken(sim.token));
    await control('POST', '/faults/rate-limit', {
      route: 'GET /guilds/:id/invites',
      count: 1,
      retryAfter: 0.1,
    });
    await control('POST', '/faults/server-error', {
      route: { regex: 'vanity' },
      count: 1,
      status: 503,
    });
    await api.guilds.getInvites(g.id);
    await api.guilds.getVanityURL(g.id).catch(() => undefined);
    expect(
      (await control<{ total: number; byRoute: Record<string, number> }>('GET', '/rate-limited'))
        .json,
    ).toEqual({
      total: 1,
      byRoute: { 'GET /guilds/:id/invites': 1 },
    });
    const requests = (await control<{ routeKey: string; status: number }[]>('GET', '/requests'))
      .json;
    expect(requests.map((r) => [r.routeKey, r.status])).toEqual([
      ['GET /guilds/:id/invites', 429],
      ['GET /guilds/:id/invites', 200],
      ['GET /guilds/:id/vanity-url', 503],
      ['GET /guilds/:id/vanity-url', 400],
    ]);
    await control('PUT', '/config', {
      invites: { incrementTiming: 'after-dispatch', incrementDelayMs: 5 },
      rateLimits: { 'GET /guilds/:id': { limit: 1, resetAfterMs: 60_000 } },
    });
    await api.guilds.get(g.id);
    const res = await fetch(`${sim.api}/v10/guilds/${g.id}`, {
      headers: { Authorization: `Bot ${sim.token}` },
    });
    expect(res.status).toBe(429);
    expect(
      (await control('PUT', '/config', { invites: { incrementTiming: 'sometime' } })).status,
    ).toBe(400);
  });
});

describe('control API: join timing', () => {
  type Truth = {
    userId: string;
    sequence: number | null;
    countedAt: number | null;
    dispatchedAt: number;
    plan: { eventDelayMs: number; incrementTiming: string; incrementDelayMs: number };
  };

  it('sets and reads the join timing; refuses bad distributions', async () => {
    const timing = {
      eventDelay: { kind: 'lognormal', medianMs: 20, p99Ms: 200 },
      incrementAfterDispatch: {
        probability: 0.25,
        delay: { kind: 'uniform', minMs: 0, maxMs: 300 },
      },
    };
    const set = await control<Record<string, unknown>>('PUT', '/join-timing', timing);
    const expected = {
      eventDelay: { kind: 'lognormal', medianMs: 20, p99Ms: 200, maxMs: 10_000 },
      incrementAfterDispatch: timing.incrementAfterDispatch,
      incrementBeforeDispatchDelay: { kind: 'fixed', ms: 0 },
    };
    expect(set).toEqual({ status: 200, json: expected });
    expect((await control('GET', '/join-timing')).json).toEqual(expected);
    expect(sim.joinTiming).toEqual(expected);

    const bad = await control<{ error: string }>('PUT', '/join-timing', {
      eventDelay: { kind: 'lognormal', medianMs: 10, p99Ms: 5 },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/p99Ms/);
    expect(
      (await control('PUT', '/join-timing', { incrementAfterDispatch: { probability: 2 } })).status,
    ).toBe(400);
    expect((await control('PUT', '/join-timing', { eventDelay: { kind: 'gamma' } })).status).toBe(
      400,
    );
    expect((await control('GET', '/join-timing')).json).toEqual(expected);

    // The config route takes the same object; the legacy switch maps onto it.
    await control('PUT', '/config', {
      joinTiming: { eventDelay: { kind: 'fixed', ms: 5 } },
      invites: { incrementTiming: 'after-dispatch', incrementDelayMs: 40 },
    });
    expect((await control('GET', '/join-timing')).json).toEqual({
      eventDelay: { kind: 'fixed', ms: 5 },
      incrementAfterDispatch: { probability: 1, delay: { kind: 'fixed', ms: 40 } },
      incrementBeforeDispatchDelay: { kind: 'fixed', ms: 40 },
    });
  });

  it('joins with per-join timing, optionally without waiting for the delayed add', async () => {
    bot = await startBot(sim);
    const g = sim.createGuild();
    const invite = sim.createInvite(g.id);
    const [early, late] = [sim.createUser(), sim.createUser()];
    const started = await control('POST', `/guilds/${g.id}/join`, {
      userId: early.id,
      code: invite.code,
      eventDelayMs: 1500,
      incrementTiming: 'after-dispatch',
      incrementDelayMs: 50,
      wait: false,
    });
    expect(started).toEqual({ status: 200, json: { ok: true } });
    const view = await control<{ members: { userId: string }[] }>('GET', `/guilds/${g.id}`);
    expect(view.json.members.map((m) => m.userId)).toContain(early.id);
    expect((await control<Truth[]>('GET', '/joins')).json).toEqual([]);

    const again = await control<{ error: string }>('POST', `/guilds/${g.id}/join`, {
      userId: early.id,
      code: invite.code,
      wait: false,
    });
    expect(again.status).toBe(400);
    expect(again.json.error).toMatch(/already a member/);
    for (const bad of [{ eventDelayMs: -5 }, { incrementTiming: 'later' }]) {
      const refused = await control('POST', `/guilds/${g.id}/join`, {
        userId: late.id,
        code: invite.code,
        ...bad,
      });
      expect(refused.status, JSON.stringify(bad)).toBe(400);
    }

    const prompt = await control<Truth>('POST', `/guilds/${g.id}/join`, {
      userId: late.id,
      code: invite.code,
    });
    expect(prompt.json.plan).toEqual({
      eventDelayMs: 0,
      incrementTiming: 'before-dispatch',
      incrementDelayMs: 0,
    });
    await sim.waitFor(() => sim.joins.length === 2 && sim.joins[1]!.countedAt !== null);
    const joins = (await control<Truth[]>('GET', '/joins')).json;
    expect(joins.map((j) => j.userId)).toEqual([late.id, early.id]);
    expect(joins[1]!.plan).toEqual({
      eventDelayMs: 1500,
      incrementTiming: 'after-dispatch',
      incrementDelayMs: 50,
    });
    expect(joins[1]!.countedAt).toBeGreaterThanOrEqual(joins[1]!.dispatchedAt + 49);
    expect(joins[1]!.sequence).toBeGreaterThan(joins[0]!.sequence!);
  });

  it('injects 5xx on the member list', async () => {
    const g = sim.createGuild();
    const api = new API(new REST({ api: sim.api, offset: 0, retries: 0 }).setToken(sim.token));
    await control('POST', '/faults/server-error', {
      route: 'GET /guilds/:id/members',
      count: 1,
      status: 502,
    });
    const error = await api.guilds.getMembers(g.id).catch((e: unknown) => e);
    expect((error as { status?: number }).status).toBe(502);
    expect((await api.guilds.getMembers(g.id, { limit: 1000 })).length).toBe(2);
  });
});

describe('npm run sim (cli.ts)', () => {
  async function runCli(args: string[]) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/sim/cli.ts', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = createInterface({ input: child.stdout });
    const [line] = (await once(lines, 'line')) as [string];
    return { child, info: JSON.parse(line) as Record<string, string> };
  }

  it('prints one JSON line, serves, is deterministic for a seed and exits cleanly on SIGTERM', async () => {
    const first = await runCli(['--seed', '42']);
    const second = await runCli(['--seed', '42']);
    try {
      for (const key of [
        'api',
        'gateway',
        'control',
        'token',
        'applicationId',
        'clientId',
        'clientSecret',
      ]) {
        expect(first.info[key], key).toBeTruthy();
      }
      expect(second.info.token).toBe(first.info.token);
      expect(second.info.applicationId).toBe(first.info.applicationId);
      expect(second.info.clientSecret).toBe(first.info.clientSecret);
      expect(second.info.api).not.toBe(first.info.api);
      const api = new API(new REST({ api: first.info.api, offset: 0 }).setToken(first.info.token!));
      expect((await api.gateway.getBot()).url).toBe(first.info.gateway);
      const created = await fetch(`${first.info.control}/guilds`, { method: 'POST', body: '{}' });
      const guild = (await created.json()) as { id: string };
      expect((await api.guilds.get(guild.id)).id).toBe(guild.id);
    } finally {
      const exits = [first.child, second.child].map((c) => once(c, 'exit'));
      first.child.kill('SIGTERM');
      second.child.kill('SIGINT');
      const codes = (await Promise.all(exits)).map(([code]) => code as number);
      expect(codes).toEqual([0, 0]);
    }
  });
});
