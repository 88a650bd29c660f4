/**
 * Competition in the BUILT dashboard (simulator OAuth and REST, a real database): bonus forms on
 * the leaderboard and the inviter page, hostile posts (refused with field errors, nothing stored),
 * a form posted twice (stored once), a non-manager (403) and a cross-origin post; the period
 * switch; season reset and restore through their confirmation step, forged and stale posts
 * refused, the past season viewable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../db/queries/audit';
import { upsertGuild } from '../../db/queries/guilds';
import { applyDecision } from '../../db/queries/joins';
import { inviterCounts } from '../../db/queries/leaderboard';
import { cookieHeader, DashboardStack, loginWithFetch } from '../browser/stack';

describe('competition in the dashboard', () => {
  let stack: DashboardStack;
  let base: string;
  let guildId: string;
  let ownerCookie: string;
  let strangerCookie: string;
  let inviterId: string;
  let memberId: string;
  let ownerId: string;

  beforeAll(async () => {
    stack = await DashboardStack.create();
    base = stack.base;
    const owner = stack.sim.createUser({ username: 'owner', globalName: 'Olga Owner' });
    ownerId = owner.id;
    const stranger = stack.sim.createUser({ username: 'stranger' });
    const guild = stack.sim.createGuild({ name: 'Bonus', ownerId: owner.id });
    guildId = guild.id;
    stack.sim.addMember(guild.id, stranger.id);
    const { db } = await stack.db();
    await upsertGuild(db, {
      id: guild.id,
      name: guild.name,
      icon: null,
      ownerId: owner.id,
      features: [],
      botPermissions: null,
    });
    inviterId = stack.sim.createUser({ username: 'ines' }).id;
    memberId = stack.sim.createUser({ username: 'mia' }).id;
    await applyDecision(
      db,
      {
        guildId,
        memberId,
        joinedAt: new Date(Date.now() - 60_000),
        memberBot: false,
        outcome: 'exact',
        reason: 'single_code',
        code: 'abc',
        inviterId,
        candidates: null,
      },
      { xpPerInvite: 50, excluded: false },
    );
    await stack.start();
    ownerCookie = cookieHeader(await loginWithFetch(base, owner.id));
    strangerCookie = cookieHeader(await loginWithFetch(base, stranger.id));
  }, 180_000);
  afterAll(() => stack?.close());

  const post = (
    path: string,
    fields: Record<string, string>,
    cookie = ownerCookie,
    origin = base,
  ) =>
    fetch(`${base}/servers/${guildId}${path}?/bonus`, {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { cookie, origin, accept: 'text/html' },
      redirect: 'manual',
    });
  const requestId = () => crypto.randomUUID();
  const page = async (path: string) =>
    (await fetch(`${base}/servers/${guildId}${path}`, { headers: { cookie: ownerCookie } })).text();

  it('the leaderboard form gives a member a bonus once, and the inviter page takes some away', async () => {
    const leaderboard = await page('/leaderboard');
    expect(leaderboard).toContain('data-testid="bonus-form"');
    expect(leaderboard).toMatch(/name="requestId" value="[0-9a-f-]{36}"/);

    const id = requestId();
    const given = await post('/leaderboard', {
      memberId,
      amount: '4',
      reason: 'Gewinnspiel',
      requestId: id,
    });
    expect(given.status).toBe(200);
    expect(await given.text()).toContain('4 Bonus gespeichert. Summe jetzt 4.');
    // The same form again (double click, reload): stored once.
    const again = await post('/leaderboard', {
      memberId,
      amount: '4',
      reason: 'Gewinnspiel',
      requestId: id,
    });
    expect(await again.text()).toContain('schon gespeichert');

    const taken = await post(`/inviters/${inviterId}`, {
      amount: '-3',
      reason: 'Korrektur',
      requestId: requestId(),
    });
    expect(taken.status).toBe(200);
    expect(await taken.text()).toContain('-3 Bonus gespeichert. Summe jetzt -2.');
    const inviterPage = await page(`/inviters/${inviterId}`);
    expect(inviterPage).toMatch(/data-stat="bonus"[^>]*>-3</);
    expect(inviterPage).toMatch(/data-stat="total"[^>]*>-2</);
    expect(inviterPage).toContain('Korrektur');
  });

  it('refuses hostile posts field by field and stores nothing', async () => {
    const cases: [string, Record<string, string>, string][] = [
      ['an amount of 0', { memberId, amount: '0', reason: 'x' }, 'ganze Zahl von -1000 bis 1000'],
      ['a huge amount', { memberId, amount: '99999999', reason: 'x' }, 'ganze Zahl'],
      ['a fraction', { memberId, amount: '1.5', reason: 'x' }, 'ganze Zahl'],
      ['an expression', { memberId, amount: '1e3', reason: 'x' }, 'ganze Zahl'],
      ['no reason', { memberId, amount: '2', reason: '   ' }, 'einen Grund angeben'],
      [
        'a long reason',
        { memberId, amount: '2', reason: 'x'.repeat(201) },
        'höchstens 200 Zeichen',
      ],
      [
        'an unknown member',
        { memberId: '123456789012345678', amount: '2', reason: 'x' },
        'niemandem',
      ],
      ['a broken id', { memberId: '1 or 1=1; --', amount: '2', reason: 'x' }, 'niemandem'],
      ['no member', { amount: '2', reason: 'x' }, 'niemandem'],
    ];
    for (const [what, fields, message] of cases) {
      const response = await post('/leaderboard', { ...fields, requestId: requestId() });
      expect(response.status, what).toBe(400);
      expect(await response.text(), what).toContain(message);
    }
    for (const bad of ['', 'not-a-uuid', 'x'.repeat(5000)]) {
      const response = await post('/leaderboard', {
        memberId,
        amount: '2',
        reason: 'x',
        requestId: bad,
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('Formular ist ungültig');
    }
  });

  it('refuses a non-manager (403) and a cross-origin post', async () => {
    const fields = { memberId, amount: '50', reason: 'x', requestId: requestId() };
    expect((await post('/leaderboard', fields, strangerCookie)).status).toBe(403);
    expect((await post(`/inviters/${inviterId}`, fields, strangerCookie)).status).toBe(403);
    expect((await post('/leaderboard', fields, ownerCookie, 'https://evil.example')).status).toBe(
      403,
    );
  });

  const action = (name: string, fields: Record<string, string>, cookie = ownerCookie) =>
    fetch(`${base}/servers/${guildId}/leaderboard?/${name}`, {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { cookie, origin: base, accept: 'text/html' },
      redirect: 'manual',
    });
  /** The leaderboard's rows as "inviterId:total" (the inviter link and the total column). */
  const ranked = (html: string) =>
    [...html.matchAll(/inviters\/(\d+)"[\s\S]*?data-label="[^"]*">(-?\d+)</g)].map(
      (m) => `${m[1]}:${m[2]}`,
    );

  it('switches periods: a join of 40 days ago counts in all time and this season only', async () => {
    // Bonus entries from the first test are today's; the join is 1 minute old. Add an old join.
    const { db } = await stack.db();
    const oldMember = stack.sim.createUser({ username: 'olli' }).id;
    await applyDecision(
      db,
      {
        guildId,
        memberId: oldMember,
        joinedAt: new Date(Date.now() - 40 * 24 * 60 * 60_000),
        memberBot: false,
        outcome: 'exact',
        reason: 'single_code',
        code: 'abc',
        inviterId: ownerId,
        candidates: null,
      },
      { xpPerInvite: 50, excluded: false },
    );
    const all = await page('/leaderboard?period=all');
    expect(all).toContain('data-period="all"');
    expect(ranked(all)).toEqual([`${memberId}:4`, `${ownerId}:1`]);
    expect(ranked(await page('/leaderboard'))).toEqual([`${memberId}:4`, `${ownerId}:1`]);
    expect(ranked(await page('/leaderboard?period=30d'))).toEqual([`${memberId}:4`]);
    expect(ranked(await page('/leaderboard?period=7d'))).toEqual([`${memberId}:4`]);
    // An unknown period is the default (this season), not an error.
    expect(
      (
        await fetch(`${base}/servers/${guildId}/leaderboard?period=x';--`, {
          headers: { cookie: ownerCookie },
        })
      ).status,
    ).toBe(200);
  });

  it('resets and restores a season only through the confirmation step, refusing forged and stale posts', async () => {
    const confirmPage = await page('/leaderboard?confirm=reset');
    expect(confirmPage).toContain('data-testid="confirm-reset"');
    expect(confirmPage).toContain('Saison 2 starten?');
    // Without the confirmation field, or for a season the admin did not see: nothing happens.
    expect((await action('reset', { season: '1' })).status).toBe(400);
    expect((await action('reset', { confirm: 'reset', season: '7' })).status).toBe(400);
    expect((await action('restore', { confirm: 'restore', season: '1' })).status).toBe(400);
    expect((await action('reset', { confirm: 'reset', season: '1' }, strangerCookie)).status).toBe(
      403,
    );
    expect(ranked(await page('/leaderboard'))).toEqual([`${memberId}:4`, `${ownerId}:1`]);

    const reset = await action('reset', { confirm: 'reset', season: '1' });
    expect(reset.status).toBe(200);
    expect(await reset.text()).toContain('Saison 2 hat begonnen.');
    // The same post again (double click): stale, nothing more happens.
    expect((await action('reset', { confirm: 'reset', season: '1' })).status).toBe(400);
    expect(ranked(await page('/leaderboard'))).toEqual([]);
    // All time is untouched, and season 1 stays viewable.
    expect(ranked(await page('/leaderboard?period=all'))).toEqual([
      `${memberId}:4`,
      `${ownerId}:1`,
    ]);
    const past = await page('/leaderboard?season=1');
    expect(past).toContain('Saison 1 (beendet)');
    expect(ranked(past)).toEqual([`${memberId}:4`, `${ownerId}:1`]);

    expect(await page('/leaderboard?confirm=restore')).toContain('Saison 2 rückgängig machen?');
    const restored = await action('restore', { confirm: 'restore', season: '2' });
    expect(restored.status).toBe(200);
    expect(await restored.text()).toContain('Saison 1 ist wieder die aktuelle');
    expect(ranked(await page('/leaderboard'))).toEqual([`${memberId}:4`, `${ownerId}:1`]);
    expect((await action('restore', { confirm: 'restore', season: '2' })).status).toBe(400);
  });

  it('stores whether a reset also resets XP, refusing other values', async () => {
    expect((await action('seasonXp', { seasonResetsXp: 'maybe' })).status).toBe(400);
    expect((await action('seasonXp', { seasonResetsXp: 'reset' })).status).toBe(200);
    expect(await page('/leaderboard?confirm=reset')).toContain(
      'XP werden ebenfalls auf null gesetzt.',
    );
    expect((await action('seasonXp', { seasonResetsXp: 'keep' })).status).toBe(200);
    expect(await page('/leaderboard?confirm=reset')).toContain('XP bleiben erhalten.');
  });

  it('stored exactly the two accepted bonuses, audited with who and why', async () => {
    if (stack.kind === 'pglite') await stack.stop();
    const { db } = await stack.db();
    expect(await inviterCounts(db, guildId, memberId)).toMatchObject({ bonus: 4, total: 4 });
    expect(await inviterCounts(db, guildId, inviterId)).toMatchObject({
      bonus: -3,
      regular: 1,
      total: -2,
    });
    expect((await listAudit(db, guildId, { action: 'season.reset' })).length).toBe(1);
    expect((await listAudit(db, guildId, { action: 'season.restore' })).length).toBe(1);
    expect(
      (await listAudit(db, guildId, { action: 'settings.update' })).map((a) => a.details),
    ).toEqual([
      { seasonResetsXp: { from: true, to: false } },
      { seasonResetsXp: { from: false, to: true } },
    ]);
    const audit = await listAudit(db, guildId, { action: 'bonus.add' });
    expect(
      audit.map((a) => [a.actorId, a.details.memberId, a.details.amount, a.details.reason]),
    ).toEqual([
      [ownerId, inviterId, -3, 'Korrektur'],
      [ownerId, memberId, 4, 'Gewinnspiel'],
    ]);
  });
});
