/**
 * Issue #17 against the BUILT dashboard (simulator OAuth and REST, a real database, no browser):
 * what an attacker with a login can try over plain HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertGuild } from '../../db/queries/guilds';
import { cookieHeader, DashboardStack, loginFlow, loginWithFetch } from '../browser/stack';
import { COLLAPSING, OPEN_REDIRECT_CORPUS, staysOnOrigin } from './open-redirect-corpus';

describe('the built dashboard under attack', () => {
  let stack: DashboardStack;
  let base: string;
  let owner: { id: string };
  let ownerCookie: string;

  beforeAll(async () => {
    stack = await DashboardStack.create();
    base = stack.base;
    owner = stack.sim.createUser({ username: 'owner', globalName: 'Olga Owner' });
    const guild = stack.sim.createGuild({ name: 'Hardened', ownerId: owner.id });
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
});
