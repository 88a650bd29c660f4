import { API } from '@discordjs/core';
import { HTTPError, REST, RESTEvents, type RateLimitData } from '@discordjs/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, startSimulator, type Simulator } from './index';

let sim: Simulator;
let rest: REST;
let api: API;
let rateLimitEvents: RateLimitData[];

async function setup(options: Parameters<typeof startSimulator>[0] = {}): Promise<void> {
  sim = await startSimulator(options);
  rest = new REST({ api: sim.api, offset: 0 }).setToken(sim.token);
  rateLimitEvents = [];
  rest.on(RESTEvents.RateLimited, (info) => rateLimitEvents.push(info));
  api = new API(rest);
}

beforeEach(async () => {
  await setup();
});

afterEach(async () => {
  await sim.close();
});

describe('rate limits', () => {
  it('sends the X-RateLimit headers on every response of a limited route', async () => {
    const g = sim.createGuild();
    const res = await fetch(`${sim.api}/v10/guilds/${g.id}/invites`, {
      headers: { Authorization: `Bot ${sim.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit')).toBe(
      String(DEFAULT_RATE_LIMITS['GET /guilds/:id/invites']?.limit),
    );
    expect(res.headers.get('x-ratelimit-remaining')).toBe(
      String((DEFAULT_RATE_LIMITS['GET /guilds/:id/invites']?.limit ?? 0) - 1),
    );
    expect(Number(res.headers.get('x-ratelimit-reset-after'))).toBeGreaterThan(0);
    expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    expect(res.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
    // Errors carry them too, and are JSON.
    const denied = await fetch(`${sim.api}/v10/channels/${g.defaultChannelId}/messages`, {
      method: 'POST',
      headers: { Authorization: `Bot ${sim.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ content: 'x'.repeat(2001) }),
    });
    expect(denied.status).toBe(400);
    expect(denied.headers.get('content-type')).toMatch(/^application\/json/);
    expect(denied.headers.get('x-ratelimit-limit')).toBe('5');
  });

  it('a real bucket: the 6th message in 5 s gets 429 with Retry-After and scope', async () => {
    const g = sim.createGuild();
    const post = () =>
      fetch(`${sim.api}/v10/channels/${g.defaultChannelId}/messages`, {
        method: 'POST',
        headers: { Authorization: `Bot ${sim.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ content: 'hi' }),
      });
    for (let i = 0; i < 5; i++) expect((await post()).status).toBe(200);
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    const body = (await limited.json()) as {
      message: string;
      retry_after: number;
      global: boolean;
    };
    expect(body).toMatchObject({ message: 'You are being rate limited.', global: false });
    expect(body.retry_after).toBeGreaterThan(0);
    expect(sim.rateLimited).toBe(1);
    expect(sim.rateLimitedByRoute).toEqual({ 'POST /channels/:id/messages': 1 });
    // Another channel has its own bucket (major parameter).
    const other = sim.createChannel(g.id, { name: 'other' });
    const res = await fetch(`${sim.api}/v10/channels/${other.id}/messages`, {
      method: 'POST',
      headers: { Authorization: `Bot ${sim.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ content: 'hi' }),
    });
    expect(res.status).toBe(200);
  });

  it('@discordjs/rest waits out a bucket from the headers alone (no 429 needed)', async () => {
    await sim.close();
    await setup({ rateLimits: { 'POST /channels/:id/messages': { limit: 2, resetAfterMs: 300 } } });
    const g = sim.createGuild();
    const sent = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        api.channels.createMessage(g.defaultChannelId, { content: `m${n}` }),
      ),
    );
    expect(sent).toHaveLength(5);
    expect(
      sim
        .messages(g.defaultChannelId)
        .map((m) => m.content)
        .sort(),
    ).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(sim.rateLimited).toBe(0);
    expect(rateLimitEvents.length).toBeGreaterThan(0);
  });

  it('an injected 429 is waited out and retried; the rateLimited event fires', async () => {
    const g = sim.createGuild();
    sim.faults.rateLimit('GET /guilds/:id/invites', { count: 1, retryAfter: 0.3 });
    const started = Date.now();
    const invites = await api.guilds.getInvites(g.id);
    expect(invites).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(sim.rateLimited).toBe(1);
    expect(rateLimitEvents).toHaveLength(1);
    expect(rateLimitEvents[0]).toMatchObject({
      route: '/guilds/:id/invites',
      global: false,
      method: 'GET',
    });
    const statuses = sim.requests
      .filter((r) => r.routeKey === 'GET /guilds/:id/invites')
      .map((r) => r.status);
    expect(statuses).toEqual([429, 200]);
  });

  it('an injected global 429 pauses the client and carries X-RateLimit-Global', async () => {
    const g = sim.createGuild();
    sim.faults.rateLimit('*', { count: 1, retryAfter: 0.2, global: true });
    const res = await fetch(`${sim.api}/v10/guilds/${g.id}`, {
      headers: { Authorization: `Bot ${sim.token}` },
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('x-ratelimit-global')).toBe('true');
    expect(res.headers.get('x-ratelimit-scope')).toBe('global');
    expect(((await res.json()) as { global: boolean }).global).toBe(true);

    sim.faults.rateLimit(/GET \/guilds\/:id$/, { count: 1, retryAfterMs: 200, global: true });
    const guild = await api.guilds.get(g.id);
    expect(guild.id).toBe(g.id);
    expect(rateLimitEvents.some((e) => e.global)).toBe(true);
  });

  it('the switchable global limit returns global 429s beyond N requests per second', async () => {
    sim.setGlobalRateLimit({ perSecond: 3 });
    const g = sim.createGuild();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${sim.api}/v10/guilds/${g.id}`, {
        headers: { Authorization: `Bot ${sim.token}` },
      });
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get('x-ratelimit-global')).toBe('true');
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(3);
    expect(statuses).toContain(429);
    expect(sim.globalRateLimited).toBe(statuses.filter((s) => s === 429).length);
    sim.setGlobalRateLimit(null);
    expect(
      (
        await fetch(`${sim.api}/v10/guilds/${g.id}`, {
          headers: { Authorization: `Bot ${sim.token}` },
        })
      ).status,
    ).toBe(200);
  });

  it('retries 5xx and succeeds; gives up after `retries` with HTTPError', async () => {
    const g = sim.createGuild();
    sim.faults.serverError('GET /guilds/:id/invites', { count: 2, status: 502 });
    expect(await api.guilds.getInvites(g.id)).toEqual([]);
    expect(sim.requests.map((r) => r.status)).toEqual([502, 502, 200]);

    sim.faults.serverError('/guilds/:id', { count: 10 });
    const error = await api.guilds.get(g.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect((error as HTTPError).status).toBe(500);
    // 1 try + 3 retries
    expect(sim.requests.filter((r) => r.routeKey === 'GET /guilds/:id').length).toBe(4);
    sim.faults.clear();
    expect((await api.guilds.get(g.id)).id).toBe(g.id);
  });

  it('injected latency delays matching routes only', async () => {
    const g = sim.createGuild();
    sim.faults.latency('GET /guilds/:id/invites', 200);
    let started = Date.now();
    await api.guilds.getInvites(g.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    started = Date.now();
    await api.guilds.get(g.id);
    expect(sim.requests.at(-1)?.durationMs).toBeLessThan(150);
  });
});
