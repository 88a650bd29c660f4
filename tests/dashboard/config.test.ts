import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../dashboard/src/lib/server/config/parse';

const complete = {
  DISCORD_CLIENT_ID: '123456789012345678',
  DISCORD_CLIENT_SECRET: 'very-secret-client-secret',
  DISCORD_TOKEN: 'bot.token.value-that-is-secret',
  SESSION_SECRET: 'a-session-secret-with-enough-characters',
  ORIGIN: 'https://dash.example.org',
};

describe('dashboard configuration', () => {
  it('names every missing variable at once, never a value', () => {
    const result = parseConfig({});
    expect(result.ok).toBe(false);
    const text = !result.ok ? result.problems.join('\n') : '';
    for (const name of [
      'DISCORD_CLIENT_ID',
      'DISCORD_CLIENT_SECRET',
      'DISCORD_TOKEN',
      'SESSION_SECRET',
      'ORIGIN',
    ]) {
      expect(text).toContain(name);
    }
    const bad = parseConfig({
      ...complete,
      SESSION_SECRET: 'short-secret',
      DISCORD_CLIENT_ID: 'abc',
    });
    const badText = !bad.ok ? bad.problems.join('\n') : '';
    expect(badText).toContain('SESSION_SECRET must be at least 32');
    expect(badText).not.toContain('short-secret');
    expect(badText).not.toContain(complete.DISCORD_TOKEN);
  });

  it('derives the Discord endpoints, redirect URI and a Secure cookie for https', () => {
    const result = parseConfig(complete);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      apiBase: 'https://discord.com/api',
      authorizeUrl: 'https://discord.com/oauth2/authorize',
      tokenUrl: 'https://discord.com/api/oauth2/token',
      redirectUri: 'https://dash.example.org/auth/callback',
      cookieSecure: true,
      guildCacheSeconds: 120,
    });
  });

  it('points at the simulator and drops Secure only for plain http on loopback (or when told)', () => {
    const sim = parseConfig({
      ...complete,
      DISCORD_API_BASE: 'http://127.0.0.1:4000/api/',
      DISCORD_AUTHORIZE_URL: 'http://127.0.0.1:4000/oauth2/authorize',
      ORIGIN: 'http://127.0.0.1:3000',
    });
    expect(sim.ok && sim.config).toMatchObject({
      apiBase: 'http://127.0.0.1:4000/api',
      tokenUrl: 'http://127.0.0.1:4000/api/oauth2/token',
      redirectUri: 'http://127.0.0.1:3000/auth/callback',
      cookieSecure: false,
    });
    const lan = parseConfig({ ...complete, ORIGIN: 'http://192.168.1.5:3000' });
    expect(lan.ok && lan.config.cookieSecure).toBe(true);
    const off = parseConfig({ ...complete, COOKIE_SECURE: 'false' });
    expect(off.ok && off.config.cookieSecure).toBe(false);
    expect(parseConfig({ ...complete, COOKIE_SECURE: 'maybe' }).ok).toBe(false);
  });

  it('sends bot calls to DISCORD_API_BASE (a REST proxy) and OAuth/user calls to Discord', () => {
    const proxied = parseConfig({
      ...complete,
      DISCORD_API_BASE: 'http://proxy.internal:8080/api',
    });
    expect(proxied.ok && proxied.config).toMatchObject({
      apiBase: 'http://proxy.internal:8080/api',
      userApiBase: 'https://discord.com/api',
      tokenUrl: 'https://discord.com/api/oauth2/token',
      revokeUrl: 'https://discord.com/api/oauth2/token/revoke',
    });
    // The simulator: OAuth where its authorize page is; or named explicitly.
    const sim = parseConfig({
      ...complete,
      DISCORD_API_BASE: 'http://127.0.0.1:4100/api',
      DISCORD_AUTHORIZE_URL: 'http://127.0.0.1:4000/oauth2/authorize',
    });
    expect(sim.ok && sim.config.userApiBase).toBe('http://127.0.0.1:4000/api');
    const named = parseConfig({
      ...complete,
      DISCORD_OAUTH_API_BASE: 'http://127.0.0.1:4000/api/',
    });
    expect(named.ok && named.config.tokenUrl).toBe('http://127.0.0.1:4000/api/oauth2/token');
    const bad = parseConfig({ ...complete, DISCORD_OAUTH_API_BASE: 'ftp://x' });
    expect(!bad.ok && bad.problems.join('\n')).toContain('DISCORD_OAUTH_API_BASE must be');
  });

  it('accepts PUBLIC_URL instead of ORIGIN and rejects an origin with a path', () => {
    const { ORIGIN: _origin, ...rest } = complete;
    const viaPublic = parseConfig({ ...rest, PUBLIC_URL: 'https://d.example' });
    expect(viaPublic.ok && viaPublic.config.redirectUri).toBe('https://d.example/auth/callback');
    expect(parseConfig({ ...complete, ORIGIN: 'https://d.example/app' }).ok).toBe(false);
  });
});
