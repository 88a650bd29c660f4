/**
 * The REST proxy (gateway/ops/rest-proxy.ts, @discordjs/proxy) on the simulator: it forwards each
 * caller's own token, waits out limits instead of passing 429s on, and gives several REST clients
 * one global limit. Plus its configuration (gateway/env.ts).
 */
import { REST } from '@discordjs/rest';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, readProxyConfig } from '../../gateway/env';
import { startRestProxy, type RunningRestProxy } from '../../gateway/ops/rest-proxy';
import { startSimulator, type Simulator } from '../sim';

describe('the REST proxy', () => {
  let sim: Simulator | undefined;
  let proxy: RunningRestProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    await sim?.close();
  });

  const start = async () => {
    sim = await startSimulator({ restLatencyMs: 10, globalRateLimit: { perSecond: 50 } });
    proxy = await startRestProxy({
      port: 0,
      host: '127.0.0.1',
      upstream: sim.api,
      globalRequestsPerSecond: 50,
      log: pino({ level: 'silent' }),
    });
    return { sim, base: `http://127.0.0.1:${proxy.port}/api` };
  };

  it("forwards the caller's token and Discord's answers, and has /healthz", async () => {
    const { sim, base } = await start();
    const guild = sim.createGuild({ name: 'Proxied' });
    const ok = await fetch(`${base}/v10/guilds/${guild.id}`, {
      headers: { authorization: `Bot ${sim.token}` },
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { name: string }).name).toBe('Proxied');
    // The proxy holds no token: without one, Discord's 401 comes back.
    const anonymous = await fetch(`${base}/v10/guilds/${guild.id}`);
    expect(anonymous.status).toBe(401);
    const unknown = await fetch(`${base}/v10/guilds/1234567890123456789`, {
      headers: { authorization: `Bot ${sim.token}` },
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: number }).code).toBe(10004);
    const health = await fetch(`http://127.0.0.1:${proxy!.port}/healthz`);
    expect(health.status).toBe(200);
    expect(sim.requests.filter((r) => r.path.includes('healthz'))).toEqual([]);
  });

  it('gives three REST clients one global limit (without it they exceed it)', async () => {
    const { sim, base } = await start();
    const guild = sim.createGuild();
    const burst = async (api: string) => {
      const clients = [0, 1, 2].map(() =>
        new REST({ api, offset: 0, retries: 0 }).setToken(sim.token),
      );
      const started = Date.now();
      await Promise.all(
        clients.flatMap((rest) =>
          Array.from({ length: 40 }, () => rest.get(`/guilds/${guild.id}`)),
        ),
      );
      return Date.now() - started;
    };
    const tookMs = await burst(base);
    expect(sim.globalRateLimited).toBe(0);
    // 120 requests at 50 per second: the proxy spread them over at least two more windows.
    expect(tookMs).toBeGreaterThanOrEqual(1900);
    expect(proxy!.rateLimited()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await burst(sim.api).catch(() => {});
    expect(sim.globalRateLimited).toBeGreaterThan(0);
  });

  it('reads its configuration with defaults and lists every problem', () => {
    expect(readProxyConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      upstream: 'https://discord.com/api',
      globalRequestsPerSecond: 50,
      logLevel: 'info',
      shutdownTimeoutMs: 10_000,
    });
    expect(
      readProxyConfig({
        PROXY_PORT: '9000',
        PROXY_HOST: '::',
        PROXY_UPSTREAM: 'http://127.0.0.1:4000/api/',
        PROXY_GLOBAL_LIMIT: '120',
      }),
    ).toMatchObject({
      port: 9000,
      host: '::',
      upstream: 'http://127.0.0.1:4000/api',
      globalRequestsPerSecond: 120,
    });
    let error: unknown;
    try {
      readProxyConfig({ PROXY_PORT: 'eighty', PROXY_UPSTREAM: 'discord', PROXY_GLOBAL_LIMIT: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PROXY_PORT', 'PROXY_UPSTREAM', 'PROXY_GLOBAL_LIMIT'])
      expect(message).toContain(name);
  });
});
