import { createHash, randomBytes } from 'node:crypto';
import { API } from '@discordjs/core';
import { DiscordAPIError, REST } from '@discordjs/rest';
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './index';

let sim: Simulator;
/** The dashboard's server-side client: no bot token, OAuth calls only. */
let app: API;
const REDIRECT = 'http://127.0.0.1:5173/login/callback';

beforeEach(async () => {
  sim = await startSimulator();
  app = new API(new REST({ api: sim.api, offset: 0 }));
});

afterEach(async () => {
  await sim.close();
});

function authorizeUrl(params: Record<string, string>): string {
  const url = new URL(sim.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: sim.oauth.clientId,
    scope: 'identify guilds',
    redirect_uri: REDIRECT,
    ...params,
  }).toString();
  return url.toString();
}

/** The browser step: follow nothing, read the 302. */
async function authorize(params: Record<string, string>, init?: RequestInit): Promise<URL> {
  const res = await fetch(authorizeUrl(params), { redirect: 'manual', ...init });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') ?? '');
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** core's body type lacks code_verifier (discord-api-types), but it is sent as given. */
function exchangeCode(code: string, verifier?: string) {
  const body = {
    client_id: sim.oauth.clientId,
    client_secret: sim.oauth.clientSecret,
    grant_type: 'authorization_code' as const,
    code,
    redirect_uri: REDIRECT,
    ...(verifier ? { code_verifier: verifier } : {}),
  };
  return app.oauth2.tokenExchange(body);
}

function bearer(token: string): API {
  return new API(new REST({ api: sim.api, offset: 0, authPrefix: 'Bearer' }).setToken(token));
}

describe('OAuth2', () => {
  it('code flow with PKCE: authorize → token → users/@me → users/@me/guilds with permissions', async () => {
    const alice = sim.createUser({ username: 'alice', globalName: 'Alice' });
    const owned = sim.createGuild({ name: 'Owned', ownerId: alice.id });
    const modded = sim.createGuild({ name: 'Modded' });
    const mods = sim.createRole(modded.id, { name: 'mods', permissions: P.ManageGuild });
    sim.addMember(modded.id, alice.id, { roles: [mods.id] });
    const plain = sim.createGuild({ name: 'Plain' });
    sim.addMember(plain.id, alice.id);
    sim.createGuild({ name: 'Elsewhere' });
    sim.setOAuthUser(alice.id);

    const { verifier, challenge } = pkce();
    const back = await authorize({
      state: 'xyz',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('xyz');
    const code = back.searchParams.get('code') ?? '';
    expect(code.length).toBeGreaterThan(10);

    const tokens = await exchangeCode(code, verifier);
    expect(tokens).toMatchObject({
      token_type: 'Bearer',
      expires_in: 604800,
      scope: 'identify guilds',
    });
    expect(tokens.refresh_token).toBeTruthy();

    const user = bearer(tokens.access_token);
    expect(await user.users.getCurrent()).toMatchObject({
      id: alice.id,
      username: 'alice',
      global_name: 'Alice',
    });
    const guilds = await user.users.getGuilds();
    const byName = Object.fromEntries(guilds.map((g) => [g.name, g]));
    expect(Object.keys(byName).sort()).toEqual(['Modded', 'Owned', 'Plain']);
    expect(byName.Owned).toMatchObject({ id: owned.id, owner: true, features: [] });
    const can = (p: string | undefined) =>
      (BigInt(p ?? '0') & (P.Administrator | P.ManageGuild)) !== 0n;
    expect(can(byName.Owned?.permissions)).toBe(true);
    expect(can(byName.Modded?.permissions)).toBe(true);
    expect(byName.Modded?.owner).toBe(false);
    expect(can(byName.Plain?.permissions)).toBe(false);
    expect(byName.Plain?.permissions).toMatch(/^\d+$/);

    // Codes are single-use.
    const reuse = await exchangeCode(code, verifier).catch((e: unknown) => e);
    expect(reuse).toBeInstanceOf(DiscordAPIError);
    expect((reuse as DiscordAPIError).code).toBe('invalid_grant');
    expect((reuse as DiscordAPIError).status).toBe(400);
    // Secrets never reach the recordings.
    expect(JSON.stringify(sim.requests)).not.toContain(sim.oauth.clientSecret);
    expect(JSON.stringify(sim.requests)).not.toContain(tokens.access_token);
  });

  it('rejects a wrong code_verifier, a wrong redirect_uri and wrong client credentials', async () => {
    const u = sim.createUser();
    sim.setOAuthUser(u.id);
    const { challenge } = pkce();
    const exchange = (code: string, extra: Record<string, string>) =>
      fetch(`${sim.api}/v10/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: sim.oauth.clientId,
          client_secret: sim.oauth.clientSecret,
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT,
          ...extra,
        }),
      });
    let code = (
      await authorize({ code_challenge: challenge, code_challenge_method: 'S256' })
    ).searchParams.get('code')!;
    let res = await exchange(code, { code_verifier: 'wrong' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });

    code = (await authorize({})).searchParams.get('code')!;
    res = await exchange(code, { redirect_uri: 'http://127.0.0.1:5173/other' });
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });

    code = (await authorize({})).searchParams.get('code')!;
    res = await exchange(code, { client_secret: 'nope' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });

    // HTTP Basic client authentication works too, and JSON bodies are refused.
    code = (await authorize({})).searchParams.get('code')!;
    res = await fetch(`${sim.api}/v10/oauth2/token`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${sim.oauth.clientId}:${sim.oauth.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }),
    });
    expect(res.status).toBe(200);
    res = await fetch(`${sim.api}/v10/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code' }),
    });
    expect(res.status).toBe(400);
  });

  it('serves authorize under /oauth2, /api/oauth2 and /api/v10/oauth2', async () => {
    const u = sim.createUser();
    sim.setOAuthUser(u.id);
    const base = new URL(sim.authorizeUrl).origin;
    for (const prefix of ['', '/api', '/api/v10']) {
      const url = new URL(authorizeUrl({ state: prefix }));
      const res = await fetch(`${base}${prefix}/oauth2/authorize${url.search}`, {
        redirect: 'manual',
      });
      expect(res.status, prefix).toBe(302);
      expect(new URL(res.headers.get('location') ?? '').searchParams.get('state')).toBe(prefix);
    }
  });

  it('validates client_id and redirect_uri at authorize; registered URIs are configurable', async () => {
    const u = sim.createUser();
    sim.setOAuthUser(u.id);
    expect((await fetch(authorizeUrl({ client_id: '1' }), { redirect: 'manual' })).status).toBe(
      400,
    );
    expect(
      (
        await fetch(authorizeUrl({ redirect_uri: 'https://evil.example/cb' }), {
          redirect: 'manual',
        })
      ).status,
    ).toBe(400);
    sim.setRedirectUris(['http://localhost:3000/cb']);
    expect((await fetch(authorizeUrl({}), { redirect: 'manual' })).status).toBe(400);
    const back = await authorize({ redirect_uri: 'http://localhost:3000/cb' });
    expect(back.searchParams.get('code')).toBeTruthy();
    const scope = await authorize({
      redirect_uri: 'http://localhost:3000/cb',
      scope: 'identify bogus',
      state: 's',
    });
    expect(back.searchParams.get('error')).toBeNull();
    expect(scope.searchParams.get('error')).toBe('invalid_scope');
    expect(scope.searchParams.get('state')).toBe('s');
  });

  it('picks the user per request (?sim_user or cookie), and simulates Cancel with sim_deny', async () => {
    const alice = sim.createUser({ username: 'alice' });
    const bob = sim.createUser({ username: 'bob' });
    sim.setOAuthUser(alice.id);
    const viaQuery = await authorize({ sim_user: bob.id });
    const viaCookie = await authorize({}, { headers: { cookie: `sim_user=${bob.id}` } });
    const denied = await authorize({ sim_deny: '1', state: 'k' });
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe('k');
    for (const back of [viaQuery, viaCookie]) {
      const tokens = await app.oauth2.tokenExchange({
        client_id: sim.oauth.clientId,
        client_secret: sim.oauth.clientSecret,
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
        redirect_uri: REDIRECT,
      });
      expect((await bearer(tokens.access_token).users.getCurrent()).id).toBe(bob.id);
    }
    sim.setOAuthUser(null);
    expect((await fetch(authorizeUrl({}), { redirect: 'manual' })).status).toBe(401);
  });

  it('refresh rotates tokens; revoke kills the access token (401)', async () => {
    const u = sim.createUser();
    sim.setOAuthUser(u.id);
    const code = (await authorize({})).searchParams.get('code')!;
    const first = await app.oauth2.tokenExchange({
      client_id: sim.oauth.clientId,
      client_secret: sim.oauth.clientSecret,
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
    });
    const second = await app.oauth2.refreshToken({
      client_id: sim.oauth.clientId,
      client_secret: sim.oauth.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    expect(second.access_token).not.toBe(first.access_token);
    const stale = await app.oauth2
      .refreshToken({
        client_id: sim.oauth.clientId,
        client_secret: sim.oauth.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token,
      })
      .catch((e: unknown) => e);
    expect((stale as DiscordAPIError).code).toBe('invalid_grant');

    expect((await bearer(second.access_token).users.getCurrent()).id).toBe(u.id);
    await app.oauth2.revokeToken(sim.oauth.clientId, sim.oauth.clientSecret, {
      token: second.access_token,
    });
    const revoked = await bearer(second.access_token)
      .users.getCurrent()
      .catch((e: unknown) => e);
    expect((revoked as DiscordAPIError).status).toBe(401);
  });

  it('users/@me/guilds needs the guilds scope', async () => {
    const u = sim.createUser();
    const token = sim.issueAccessToken(u.id, ['identify']);
    expect((await bearer(token).users.getCurrent()).id).toBe(u.id);
    const error = await bearer(token)
      .users.getGuilds()
      .catch((e: unknown) => e);
    expect((error as DiscordAPIError).status).toBe(401);
  });

  it('guilds.join adds the user through PUT /guilds/{id}/members/{user}: a join with no counter', async () => {
    const g = sim.createGuild();
    const invite = sim.createInvite(g.id);
    const u = sim.createUser();
    const token = sim.issueAccessToken(u.id, ['identify', 'guilds.join']);
    const bot = new API(new REST({ api: sim.api, offset: 0 }).setToken(sim.token));
    sim.setRolePermissions(g.id, g.botRoleId, P.Administrator);
    const member = await bot.guilds.addMember(g.id, u.id, { access_token: token });
    expect(member).toMatchObject({ user: { id: u.id } });
    expect(sim.joins.at(-1)).toMatchObject({
      userId: u.id,
      via: 'oauth',
      code: null,
      inviterId: null,
    });
    expect(sim.getInvite(invite.code)?.uses).toBe(0);
  });
});
