import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit, recordAudit } from '../../db/queries/audit';
import {
  countJoins,
  decodeCursor,
  encodeCursor,
  exportJoins,
  getJoin,
  joinsPerDay,
  listJoins,
  recentJoinSummary,
  type HistoryRow,
} from '../../db/queries/history';
import { applyDecision, recordLeave } from '../../db/queries/joins';
import { findGuildUserIdsByName, upsertUsers } from '../../db/queries/users';
import { getInviterSummary, listInviterCodes } from '../../db/queries/inviters';
import { storeCreatedInvite } from '../../db/queries/invites';
import type { JoinOutcome } from '../../db/schema';
import { createTestDb, dbKinds, type TestDb, storeGuild } from '../helpers/db';

const GUILD = '100000000000000501';
const OTHER_GUILD = '100000000000000502';
const EMPTY_GUILD = '100000000000000503';
const ALICE = '400000000000000001';
const BOB = '400000000000000002';
const NOW = new Date('2026-03-31T12:00:00Z');
const day = (n: number, hour = 10) =>
  new Date(Date.UTC(2026, 2, 31 - n, hour, 0, 0, 0) + Math.floor(Math.random() * 1000));

type Seed = {
  outcome: Exclude<JoinOutcome, 'pending'>;
  code: string | null;
  inviter: string | null;
  at: Date;
};

describe.each(dbKinds)('join history on %s', (kind) => {
  let handle: TestDb;
  let memberSeq = 500000000000000000n;
  const seeded: { memberId: string; seed: Seed }[] = [];

  async function join(seed: Seed, guildId = GUILD): Promise<string> {
    const memberId = String(++memberSeq);
    await applyDecision(
      handle.db,
      {
        guildId,
        memberId,
        joinedAt: seed.at,
        memberBot: seed.outcome === 'bot',
        outcome: seed.outcome,
        reason: seed.outcome === 'exact' ? 'single_code' : 'several_codes',
        code: seed.code,
        inviterId: seed.inviter,
        candidates: seed.outcome === 'ambiguous' ? [{ code: 'aaa', inviterId: ALICE }] : null,
      },
      { xpPerInvite: 10, excluded: false },
    );
    if (guildId === GUILD) seeded.push({ memberId, seed });
    return memberId;
  }

  beforeAll(async () => {
    handle = await createTestDb(kind);
    for (const id of [GUILD, OTHER_GUILD]) {
      await storeGuild(handle.db, id);
    }
    await upsertUsers(handle.db, [
      { id: ALICE, username: 'alice', globalName: 'Alice A', avatar: null, bot: false },
      { id: BOB, username: 'bob', globalName: null, avatar: null, bot: false },
    ]);
    // 30 joins over 10 days: code aaa (Alice) most, bbb (Bob), ambiguous, unknown, a bot.
    for (let n = 0; n < 10; n++) {
      await join({ outcome: 'exact', code: 'aaa', inviter: ALICE, at: day(n, 9) });
      await join({ outcome: 'exact', code: 'aaa', inviter: ALICE, at: day(n, 10) });
      if (n % 2 === 0) await join({ outcome: 'exact', code: 'bbb', inviter: BOB, at: day(n, 11) });
      if (n % 3 === 0)
        await join({ outcome: 'ambiguous', code: null, inviter: null, at: day(n, 12) });
      if (n === 4) await join({ outcome: 'unknown', code: null, inviter: null, at: day(n, 13) });
      if (n === 5) await join({ outcome: 'bot', code: null, inviter: null, at: day(n, 14) });
    }
    // Two joins at exactly the same time: the id breaks the tie in paging.
    const same = new Date(Date.UTC(2026, 2, 20, 8, 0, 0, 0));
    await join({ outcome: 'exact', code: 'ccc', inviter: BOB, at: same });
    await join({ outcome: 'exact', code: 'ccc', inviter: BOB, at: same });
    // Someone left; another guild's joins never show up.
    await recordLeave(handle.db, GUILD, seeded[0]!.memberId, new Date(NOW.getTime() - 1000));
    await join({ outcome: 'exact', code: 'aaa', inviter: ALICE, at: day(1) }, OTHER_GUILD);
  });
  afterAll(() => handle.dispose());

  const expected = (predicate: (s: Seed, memberId: string) => boolean) =>
    seeded.filter(({ seed, memberId }) => predicate(seed, memberId)).length;

  async function walk(filter: Parameters<typeof listJoins>[2], limit: number) {
    const all: HistoryRow[] = [];
    let before = null;
    for (;;) {
      const page = await listJoins(handle.db, GUILD, filter, { limit, before });
      all.push(...page.rows);
      if (!page.older) break;
      before = decodeCursor(page.older);
    }
    return all;
  }

  it('pages through every join newest first without gaps or repeats, ties broken by id', async () => {
    const rows = await walk({}, 7);
    expect(rows).toHaveLength(seeded.length);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rows[i - 1]!, rows[i]!];
      const newerOrSame =
        a.joinedAt.getTime() > b.joinedAt.getTime() ||
        (a.joinedAt.getTime() === b.joinedAt.getTime() && a.id > b.id);
      expect(newerOrSame).toBe(true);
    }
  });

  it('pages back towards newer joins with the newer cursor', async () => {
    const first = await listJoins(handle.db, GUILD, {}, { limit: 5 });
    expect(first.newer).toBeNull();
    const second = await listJoins(
      handle.db,
      GUILD,
      {},
      {
        limit: 5,
        before: decodeCursor(first.older),
      },
    );
    expect(second.newer).not.toBeNull();
    const back = await listJoins(
      handle.db,
      GUILD,
      {},
      {
        limit: 5,
        after: decodeCursor(second.newer),
      },
    );
    expect(back.rows.map((r) => r.id)).toEqual(first.rows.map((r) => r.id));
    expect(back.newer).toBeNull();
  });

  it('filters by outcome, "left", code and inviter, and names members and inviters', async () => {
    const ambiguous = await walk({ outcome: 'ambiguous' }, 100);
    expect(ambiguous).toHaveLength(expected((s) => s.outcome === 'ambiguous'));
    expect(
      ambiguous.every((r) => r.outcome === 'ambiguous' && r.candidates?.[0]?.code === 'aaa'),
    ).toBe(true);

    const left = await walk({ outcome: 'left' }, 100);
    expect(left.map((r) => r.memberId)).toEqual([seeded[0]!.memberId]);
    expect(left[0]!.leftAt).toBeInstanceOf(Date);

    const bbb = await walk({ code: 'bbb' }, 2);
    expect(bbb).toHaveLength(expected((s) => s.code === 'bbb'));
    expect(bbb.every((r) => r.inviterId === BOB && r.inviterName === 'bob')).toBe(true);

    const alice = await walk({ inviterIds: [ALICE] }, 100);
    expect(alice).toHaveLength(expected((s) => s.inviter === ALICE));
    expect(alice[0]!.inviterName).toBe('Alice A');

    const both = await walk({ inviterIds: [ALICE, BOB], outcome: 'exact', code: 'ccc' }, 100);
    expect(both).toHaveLength(2);
    expect(await walk({ inviterIds: [] }, 100)).toHaveLength(0);
  });

  it('counts with a cap', async () => {
    expect(await countJoins(handle.db, GUILD, {})).toEqual({ count: seeded.length, capped: false });
    expect(await countJoins(handle.db, GUILD, {}, 5)).toEqual({ count: 5, capped: true });
    expect(await countJoins(handle.db, GUILD, { outcome: 'bot' })).toEqual({
      count: 1,
      capped: false,
    });
    expect(await countJoins(handle.db, OTHER_GUILD, {})).toEqual({ count: 1, capped: false });
  });

  it('exports every matching row in batches', async () => {
    const batches: HistoryRow[][] = [];
    for await (const batch of exportJoins(handle.db, GUILD, { code: 'aaa' }, { batchSize: 4 })) {
      batches.push(batch);
    }
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toHaveLength(expected((s) => s.code === 'aaa'));
    const capped: HistoryRow[] = [];
    for await (const batch of exportJoins(handle.db, GUILD, {}, { batchSize: 4, maxRows: 6 })) {
      capped.push(...batch);
    }
    expect(capped).toHaveLength(6);
  });

  it('gets one join of the guild only', async () => {
    const [row] = (await listJoins(handle.db, GUILD, {}, { limit: 1 })).rows;
    expect((await getJoin(handle.db, GUILD, row!.id))?.memberId).toBe(row!.memberId);
    expect(await getJoin(handle.db, OTHER_GUILD, row!.id)).toBeNull();
    expect(await getJoin(handle.db, GUILD, -1)).toBeNull();
  });

  it('counts joins per day for the top codes', async () => {
    const chart = await joinsPerDay(handle.db, GUILD, { days: 14, top: 2, now: NOW });
    expect(chart.codes).toEqual(['aaa', 'bbb']);
    expect(chart.days).toHaveLength(14);
    expect(chart.days.at(-1)!.day).toBe('2026-03-31');
    expect(chart.days.at(-1)!.counts).toEqual({ aaa: 2, bbb: 1 });
    expect(chart.days.find((d) => d.day === '2026-03-30')!.counts).toEqual({ aaa: 2, bbb: 0 });
    const total = chart.days.reduce((sum, d) => sum + (d.counts.aaa ?? 0), 0);
    expect(total).toBe(20);
    // The total counts every join of the day, with or without a code.
    const allSince = (t: number) => expected((s) => s.at.getTime() >= t);
    const start = Date.parse(`${chart.days[0]!.day}T00:00:00Z`);
    expect(chart.days.reduce((sum, d) => sum + d.total, 0)).toBe(allSince(start));
    expect(chart.bucket).toBe('day');
  });

  it('charts all time from the first join, and one inviter alone', async () => {
    const all = await joinsPerDay(handle.db, GUILD, { days: null, top: 5, now: NOW });
    const first = Math.min(...seeded.map((s) => s.seed.at.getTime()));
    expect(all.days[0]!.day).toBe(new Date(first).toISOString().slice(0, 10));
    expect(all.days.at(-1)!.day).toBe('2026-03-31');
    expect(all.days.reduce((sum, d) => sum + d.total, 0)).toBe(expected(() => true));
    const bob = await joinsPerDay(handle.db, GUILD, { days: 7, inviterId: BOB, now: NOW });
    expect(bob.codes).toEqual(['bbb']);
    expect(bob.days.reduce((sum, d) => sum + d.total, 0)).toBe(
      expected((s) => s.inviter === BOB && s.at.getTime() >= Date.parse('2026-03-25T00:00:00Z')),
    );
  });

  it('switches to weeks (from Monday) when all time is long', async () => {
    const later = new Date(NOW.getTime() + 200 * 86_400_000);
    const all = await joinsPerDay(handle.db, GUILD, { days: null, now: later });
    expect(all.bucket).toBe('week');
    expect(new Date(`${all.days[0]!.day}T00:00:00Z`).getUTCDay()).toBe(1);
    expect(all.days.reduce((sum, d) => sum + d.total, 0)).toBe(expected(() => true));
  });

  it('sums up one inviter: joins, who stayed, who left, rank, codes', async () => {
    const alice = await getInviterSummary(handle.db, GUILD, ALICE);
    const ofAlice = (s: Seed) => s.inviter === ALICE;
    const leftIds = new Set([seeded[0]!.memberId]);
    expect(alice).toMatchObject({
      globalName: 'Alice A',
      attributed: expected(ofAlice),
      left: expected((s, id) => ofAlice(s) && leftIds.has(id)),
      stillHere: expected((s, id) => ofAlice(s) && !leftIds.has(id)),
      rank: 1,
    });
    const bob = await getInviterSummary(handle.db, GUILD, BOB);
    expect(bob!.attributed).toBe(expected((s) => s.inviter === BOB));
    expect(bob!.rank).toBe(2);
    expect(await getInviterSummary(handle.db, GUILD, '400000000000000099')).toBeNull();
    expect(await getInviterSummary(handle.db, EMPTY_GUILD, ALICE)).toBeNull();

    await storeCreatedInvite(handle.db, GUILD, {
      code: 'aaa',
      uses: 25,
      maxUses: 0,
      expiresAt: null,
      inviterId: ALICE,
      channelId: null,
      temporary: false,
      deletedAt: null,
    });
    const codes = await listInviterCodes(handle.db, GUILD, ALICE);
    expect(codes).toEqual([
      expect.objectContaining({
        code: 'aaa',
        uses: 25,
        joins: expected((s) => s.code === 'aaa' && s.inviter === ALICE),
      }),
    ]);
    expect(await listInviterCodes(handle.db, GUILD, BOB)).toEqual([]);
  });

  it('summarises the recent joins by outcome', async () => {
    const summary = await recentJoinSummary(handle.db, GUILD, { days: 3, now: NOW });
    const since = NOW.getTime() - 3 * 86_400_000;
    const recent = (outcome: string) =>
      expected((s) => s.outcome === outcome && s.at.getTime() >= since);
    expect(recent('exact')).toBeGreaterThan(0);
    expect(summary.byOutcome.exact).toBe(recent('exact'));
    expect(summary.byOutcome.ambiguous).toBe(recent('ambiguous'));
    expect(summary.total).toBe(expected((s) => s.at.getTime() >= since));
    expect(summary.left).toBe(1);
  });

  it('finds inviters by the start of a name within the guild', async () => {
    const find = (prefix: string) => findGuildUserIdsByName(handle.db, GUILD, prefix, 'inviter');
    expect(await find('ALICE a')).toEqual([ALICE]);
    expect(await find('ali')).toEqual([ALICE]);
    expect(await find('bo')).toEqual([BOB]);
    expect(await find('nobody')).toEqual([]);
    // LIKE wildcards typed by a user match only themselves.
    expect(await find('%')).toEqual([]);
    expect(await find('_lice')).toEqual([]);
    // Only inviters of the given guild.
    expect(await findGuildUserIdsByName(handle.db, EMPTY_GUILD, 'ali', 'inviter')).toEqual([]);
  });

  it('finds members by the start of a name and filters the history by them', async () => {
    const member = seeded.find((s) => s.seed.code === 'bbb')!.memberId;
    await upsertUsers(handle.db, [
      { id: member, username: 'zoe_42', globalName: 'Zoë', avatar: 'abc', bot: false },
    ]);
    const ids = await findGuildUserIdsByName(handle.db, GUILD, 'ZO', 'member');
    expect(ids).toEqual([member]);
    expect(await findGuildUserIdsByName(handle.db, GUILD, 'zo', 'inviter')).toEqual([]);
    const page = await listJoins(handle.db, GUILD, { memberIds: ids });
    expect(page.rows.map((r) => r.memberId)).toEqual([member]);
    expect(page.rows[0]!.memberName).toBe('Zoë');
    expect((await listJoins(handle.db, GUILD, { memberIds: [] })).rows).toEqual([]);
  });

  it('keeps cursors exact to the microsecond', () => {
    const cursor = { micros: 1774958400123456n, id: 42 };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor('x_1')).toBeNull();
    expect(decodeCursor(null)).toBeNull();
    // Out of timestamp range: refused instead of a database error.
    expect(decodeCursor('9999999999999999999_1')).toBeNull();
  });

  it('reads a page for any cursor the parser accepts', async () => {
    const page = await listJoins(
      handle.db,
      GUILD,
      {},
      { before: decodeCursor('9999999999999999_1') },
    );
    expect(Array.isArray(page.rows)).toBe(true);
  });

  it('records and lists audit entries newest first', async () => {
    await recordAudit(handle.db, {
      guildId: GUILD,
      actorId: ALICE,
      action: 'code.exclude',
      details: { code: 'aaa' },
    });
    await recordAudit(handle.db, {
      guildId: GUILD,
      actorId: BOB,
      action: 'settings.update',
      details: { xpPerInvite: { from: 50, to: 80 } },
    });
    const entries = await listAudit(handle.db, GUILD);
    expect(entries.map((e) => e.action)).toEqual(['settings.update', 'code.exclude']);
    expect(entries[1]).toMatchObject({ actorId: ALICE, details: { code: 'aaa' } });
    expect(await listAudit(handle.db, GUILD, { action: 'code.exclude' })).toHaveLength(1);
    expect(await listAudit(handle.db, OTHER_GUILD)).toHaveLength(0);
  });
});
