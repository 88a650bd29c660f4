/**
 * Bonus invites in the BUILT dashboard (simulator OAuth and REST, a real database): the forms on
 * the leaderboard and the inviter page, hostile posts (refused with field errors, nothing stored),
 * a form posted twice (stored once), a non-manager (403) and a cross-origin post.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../db/queries/audit';
import { upsertGuild } from '../../db/queries/guilds';
import { applyDecision } from '../../db/queries/joins';
import { inviterCounts } from '../../db/queries/leaderboard';
import { cookieHeader, DashboardStack, loginWithFetch } from '../browser/stack';

describe('bonus invites in the dashboard', () => {
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

  it('stored exactly the two accepted bonuses, audited with who and why', async () => {
    if (stack.kind === 'pglite') await stack.stop();
    const { db } = await stack.db();
    expect(await inviterCounts(db, guildId, memberId)).toMatchObject({ bonus: 4, total: 4 });
    expect(await inviterCounts(db, guildId, inviterId)).toMatchObject({
      bonus: -3,
      regular: 1,
      total: -2,
    });
    const audit = await listAudit(db, guildId, { action: 'bonus.add' });
    expect(
      audit.map((a) => [a.actorId, a.details.memberId, a.details.amount, a.details.reason]),
    ).toEqual([
      [ownerId, inviterId, -3, 'Korrektur'],
      [ownerId, memberId, 4, 'Gewinnspiel'],
    ]);
  });
});
