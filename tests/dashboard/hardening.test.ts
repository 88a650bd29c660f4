/**
 * Issue #17 against the BUILT dashboard (simulator OAuth and REST, a real database, no browser):
 * what an attacker with a login can try over plain HTTP.
 */
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertGuild } from '../../db/queries/guilds';
import { cookieHeader, DashboardStack, loginFlow, loginWithFetch } from '../browser/stack';
import { COLLAPSING, OPEN_REDIRECT_CORPUS, staysOnOrigin } from './open-redirect-corpus';

describe('the built dashboard under attack', () => {
  let stack: DashboardStack;
  let base: string;
  let owner: { id: string };
  let mod: { id: string };
  let modRoleId: string;
  let guildId: string;
  let ownerCookie: string;

  beforeAll(async () => {
    stack = await DashboardStack.create();
    base = stack.base;
    owner = stack.sim.createUser({ username: 'owner', globalName: 'Olga Owner' });
    const guild = stack.sim.createGuild({ name: 'Hardened', ownerId: owner.id });
    guildId = guild.id;
    mod = stack.sim.createUser({ username: 'mod', globalName: 'Mo Mod' });
    modRoleId = stack.sim.createRole(guild.id, { name: 'Mods', permissions: P.ManageGuild }).id;
    stack.sim.addMember(guild.id, mod.id, { roles: [modRoleId] });
    const { db } = await stack.db();
    await upsertGuild(db, {
      id: guild.id,
      name: guild.name,
      icon: null,
      ownerId: owner.id,
      features: [],
      botPermissions: null,
    });
    await stack.start();
    ownerCookie = cookieHeader(await loginWithFetch(base, owner.id));
  }, 120_000);
  afterAll(() => stack?.close());

  describe('open redirects (item 1)', () => {
    /** A 303 whose Location a browser would follow without leaving the dashboard. */
    const expectRedirectHome = (next: string, response: Response) => {
      const location = response.headers.get('location') ?? '';
      expect(response.status, JSON.stringify(next)).toBe(303);
      expect(staysOnOrigin(location, base), `${JSON.stringify(next)} → ${location}`).toBe(true);
    };

    it('GET /login?next=… of a logged-in user stays on the dashboard', async () => {
      for (const next of OPEN_REDIRECT_CORPUS) {
        const response = await fetch(`${base}/login?next=${encodeURIComponent(next)}`, {
          headers: { cookie: ownerCookie },
          redirect: 'manual',
        });
        expectRedirectHome(next, response);
      }
    });

    it('POST /lang with next=… stays on the dashboard', async () => {
      for (const next of OPEN_REDIRECT_CORPUS) {
        const response = await fetch(`${base}/lang`, {
          method: 'POST',
          body: new URLSearchParams({ lang: 'en', next }),
          headers: { origin: base },
          redirect: 'manual',
        });
        expectRedirectHome(next, response);
      }
    });

    it('the login callback sends a new session back to the dashboard, whatever next was', async () => {
      for (const next of COLLAPSING) {
        const { location: target } = await loginFlow(base, owner.id, next);
        expect(staysOnOrigin(target, base), `${JSON.stringify(next)} → ${target}`).toBe(true);
      }
    });
  });

  describe('stale rights on writes (item 2)', () => {
    it('a manager who lost Manage Server is refused at once on writes and the export, though the cache says yes', async () => {
      const cookie = cookieHeader(await loginWithFetch(base, mod.id));
      const page = (path = '') =>
        fetch(`${base}/servers/${guildId}${path}`, { headers: { cookie }, redirect: 'manual' });
      // The page load fills the guild-list cache (GUILD_CACHE_SECONDS: 120 by default).
      expect((await page('/codes')).status).toBe(200);

      stack.sim.setRolePermissions(guildId, modRoleId, 0n);
      // Reads may use the cache: still allowed.
      expect((await page('/codes')).status).toBe(200);

      const write = await fetch(`${base}/servers/${guildId}/codes?/add`, {
        method: 'POST',
        body: new URLSearchParams({ code: 'stale-write' }),
        headers: { cookie, origin: base, 'x-sveltekit-action': 'true' },
        redirect: 'manual',
      });
      expect(write.status).toBe(403);
      expect((await page('/history/export')).status).toBe(403);
      // The fresh answer replaced the cached list: the next page load is refused too.
      expect((await page('/codes')).status).toBe(403);

      const codes = await fetch(`${base}/servers/${guildId}/codes`, {
        headers: { cookie: ownerCookie },
      });
      expect(codes.status).toBe(200);
      expect(await codes.text()).not.toContain('stale-write');
    });
  });
});
