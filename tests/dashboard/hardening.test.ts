/**
 * Issue #17 against the BUILT dashboard (simulator OAuth and REST, a real database, no browser):
 * what an attacker with a login can try over plain HTTP.
 */
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../db/queries/audit';
import { upsertGuild } from '../../db/queries/guilds';
import { getJoin } from '../../db/queries/history';
import { saveBaseline } from '../../db/queries/invites';
import { applyDecision, recordLeave } from '../../db/queries/joins';
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
  /** An ambiguous join (candidate: the owner's code), a present member and one who left. */
  const people = { joiner: '', member: '', leaver: '' };
  let ambiguousJoinId: number;

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
    const invite = stack.sim.createInvite(guild.id, { inviterId: owner.id });
    await saveBaseline(db, guild.id, {
      invites: [
        {
          code: invite.code,
          uses: 3,
          maxUses: 0,
          expiresAt: null,
          inviterId: owner.id,
          channelId: invite.channelId,
          temporary: false,
          deletedAt: null,
        },
      ],
      vanity: null,
      takenAt: Date.now(),
    });
    const decide = (
      memberId: string,
      minutesAgo: number,
      fields: Partial<Parameters<typeof applyDecision>[1]>,
    ) =>
      applyDecision(
        db,
        {
          guildId: guild.id,
          memberId,
          joinedAt: new Date(Date.now() - minutesAgo * 60_000),
          memberBot: false,
          outcome: 'exact',
          reason: 'single_code',
          code: invite.code,
          inviterId: owner.id,
          candidates: null,
          ...fields,
        },
        { xpPerInvite: 50, excluded: false },
      );
    people.joiner = stack.sim.createUser({ username: 'jay' }).id;
    people.member = stack.sim.createUser({ username: 'mia' }).id;
    people.leaver = stack.sim.createUser({ username: 'leo' }).id;
    await decide(people.member, 30, {});
    await decide(people.leaver, 20, {});
    await recordLeave(db, guild.id, people.leaver, new Date(Date.now() - 10 * 60_000));
    ({ joinId: ambiguousJoinId } = await decide(people.joiner, 5, {
      outcome: 'ambiguous',
      reason: 'several_codes',
      code: null,
      inviterId: null,
      candidates: [{ code: invite.code, inviterId: owner.id }],
    }));
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

  describe('resolving a join to an inviter (item 3)', () => {
    const resolve = (inviterId: string) =>
      fetch(`${base}/servers/${guildId}/history/${ambiguousJoinId}?/resolve`, {
        method: 'POST',
        body: new URLSearchParams({ code: '', inviterId }),
        headers: { cookie: ownerCookie, origin: base, accept: 'text/html' },
        redirect: 'manual',
      });

    it('accepts only a member or former inviter of this server, never the member himself', async () => {
      const refused: [string, string, string][] = [
        ['the joining member himself', people.joiner, 'die Person selbst'],
        ['an id this server never saw', '123456789012345678', 'nicht bekannt'],
        ['a member who left and never invited anyone', people.leaver, 'nicht bekannt'],
      ];
      for (const [who, inviterId, message] of refused) {
        const response = await resolve(inviterId);
        expect(response.status, who).toBe(400);
        expect(await response.text(), who).toContain(message);
      }
      const accepted = await resolve(people.member);
      expect(accepted.status).toBe(303);
      expect(accepted.headers.get('location')).toBe(
        `/servers/${guildId}/history?resolved=${ambiguousJoinId}`,
      );

      // Nothing was saved or audited for the refused ones: one change, to the present member.
      if (stack.kind === 'pglite') await stack.stop();
      const { db } = await stack.db();
      expect(await getJoin(db, guildId, ambiguousJoinId)).toMatchObject({
        outcome: 'exact',
        inviterId: people.member,
        code: null,
      });
      const audit = await listAudit(db, guildId, { limit: 20 });
      expect(audit.map((a) => [a.action, (a.details as { inviterId?: string }).inviterId])).toEqual(
        [['join.resolve', people.member]],
      );
      if (stack.kind === 'pglite') await stack.start();
    });
  });

  describe('client mistakes in the log (item 7)', () => {
    type LogLine = { level: number; msg: string; status?: number; err?: unknown; stack?: unknown };
    /** The dashboard's JSON log lines written since `offset` (of stack.output). */
    const logSince = (offset: number): LogLine[] =>
      stack.output
        .slice(offset)
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine);
    /** Waits until the log holds `count` lines for `status` (the process writes them asynchronously). */
    const linesFor = async (offset: number, status: number, count: number) => {
      await expect
        .poll(() => logSince(offset).filter((l) => l.status === status).length)
        .toBeGreaterThanOrEqual(count);
      return logSince(offset).filter((l) => l.status === status);
    };
    const post = (body: string, contentType: string) =>
      fetch(`${base}/servers/${guildId}/codes?/add`, {
        method: 'POST',
        body,
        headers: { cookie: ownerCookie, origin: base, 'content-type': contentType },
        redirect: 'manual',
      });

    it('JSON to a form action: 415, logged as a warning without a stack, at most 10 a minute', async () => {
      const offset = stack.output.length;
      for (let i = 0; i < 15; i++) {
        expect((await post(JSON.stringify({ code: 'x' }), 'application/json')).status).toBe(415);
      }
      const lines = await linesFor(offset, 415, 10);
      // A marker request after the flood: its line proves the log was written up to here.
      await post('x'.repeat(600 * 1024), 'application/x-www-form-urlencoded');
      await linesFor(offset, 413, 1);
      expect(logSince(offset).filter((l) => l.status === 415)).toHaveLength(10);
      for (const line of lines) {
        expect(line).toMatchObject({ level: 40, status: 415 });
        expect(line.err).toBeUndefined();
        expect(JSON.stringify(line)).not.toContain('    at ');
      }
      expect(logSince(offset).filter((l) => l.level >= 50)).toEqual([]);
    });

    it('an oversize body: 413, logged as a warning without a stack', async () => {
      const offset = stack.output.length;
      const response = await post('x'.repeat(600 * 1024), 'application/x-www-form-urlencoded');
      expect(response.status).toBe(413);
      const [line] = await linesFor(offset, 413, 1);
      expect(line).toMatchObject({ level: 40, status: 413 });
      expect(JSON.stringify(line)).not.toContain('    at ');
      expect(logSince(offset).filter((l) => l.level >= 50)).toEqual([]);
    });
  });
});
