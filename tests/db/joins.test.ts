import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertGuild } from '../../db/queries/guilds';
import { saveBaseline } from '../../db/queries/invites';
import {
  applyDecision,
  episodeJoins,
  isMemberOrInviter,
  recordLeave,
  recordPendingJoin,
  resolveJoin,
  ResolveError,
} from '../../db/queries/joins';
import { getInviterStanding } from '../../db/queries/leaderboard';
import { memberJoins, memberXp } from '../../db/schema';
import { createTestDb, dbKinds, type TestDb, storeGuild } from '../helpers/db';

const GUILD = '100000000000000099';
const INVITER = '400000000000000009';
let memberSeq = 500000000000000100n;
const newMember = () => String(++memberSeq);
let clock = Date.parse('2026-03-01T00:00:00Z');
const at = () => new Date((clock += 1000));

describe.each(dbKinds)('join records on %s', (kind) => {
  let handle: TestDb;
  beforeAll(async () => {
    handle = await createTestDb(kind);
    await storeGuild(handle.db, GUILD);
  });
  afterAll(() => handle.dispose());

  const decide = (
    memberId: string,
    joinedAt: Date,
    fields: Partial<Parameters<typeof applyDecision>[1]> = {},
  ) =>
    applyDecision(
      handle.db,
      {
        guildId: GUILD,
        memberId,
        joinedAt,
        memberBot: false,
        outcome: 'exact',
        reason: 'single_code',
        code: 'abc',
        inviterId: INVITER,
        candidates: null,
        ...fields,
      },
      { xpPerInvite: 50, excluded: false },
    );

  async function xp(): Promise<number> {
    const [row] = await handle.db.select().from(memberXp).where(eq(memberXp.userId, INVITER));
    return row?.xp ?? 0;
  }

  it('decides a pending join once: a replayed decision changes nothing', async () => {
    const member = newMember();
    const joinedAt = at();
    const pending = await recordPendingJoin(handle.db, {
      guildId: GUILD,
      memberId: member,
      joinedAt,
      memberBot: false,
    });
    expect(pending.outcome).toBe('pending');
    const before = await xp();
    const first = await decide(member, joinedAt);
    expect(first).toMatchObject({
      applied: true,
      xpAwarded: 50,
      counts: expect.objectContaining({ total: expect.any(Number) }),
    });
    const replay = await decide(member, joinedAt, {
      outcome: 'unknown',
      code: null,
      inviterId: null,
    });
    expect(replay).toMatchObject({ applied: false, joinId: first.joinId });
    expect(await xp()).toBe(before + 50);
    const [row] = await handle.db
      .select()
      .from(memberJoins)
      .where(eq(memberJoins.id, first.joinId));
    expect(row?.outcome).toBe('exact');
  });

  it('gives no XP for a self-invite and does not count it', async () => {
    const before = await xp();
    const standing = await getInviterStanding(handle.db, GUILD, INVITER);
    const result = await decide(INVITER, at());
    expect(result.xpAwarded).toBe(0);
    expect(await xp()).toBe(before);
    expect((await getInviterStanding(handle.db, GUILD, INVITER))?.invites).toBe(standing?.invites);
  });

  it('closes an earlier open join when the member joins again, and counts leaves', async () => {
    const member = newMember();
    await decide(member, at());
    const invitesBefore = (await getInviterStanding(handle.db, GUILD, INVITER))!.invites;
    await decide(member, at());
    const rows = await handle.db.select().from(memberJoins).where(eq(memberJoins.memberId, member));
    expect(rows.filter((r) => r.leftAt === null)).toHaveLength(1);
    expect((await getInviterStanding(handle.db, GUILD, INVITER))!.invites).toBe(invitesBefore);
    expect(await recordLeave(handle.db, GUILD, member, at())).not.toBeNull();
    expect((await getInviterStanding(handle.db, GUILD, INVITER))!.invites).toBe(invitesBefore - 1);
    expect(await recordLeave(handle.db, GUILD, member, at())).toBeNull();
  });

  it('lets an admin resolve an ambiguous join once, with XP by the same rule', async () => {
    const member = newMember();
    const { joinId } = await decide(member, at(), {
      outcome: 'ambiguous',
      reason: 'several_codes',
      code: null,
      inviterId: null,
      candidates: [
        { code: 'abc', inviterId: INVITER },
        { code: 'def', inviterId: '400000000000000010' },
      ],
    });
    const before = await xp();
    const resolved = await resolveJoin(handle.db, {
      guildId: GUILD,
      joinId,
      code: 'abc',
      inviterId: INVITER,
      actorId: '300000000000000001',
      xpPerInvite: 50,
      excluded: false,
    });
    expect(resolved.xpAwarded).toBe(50);
    expect(await xp()).toBe(before + 50);
    const [row] = await handle.db.select().from(memberJoins).where(eq(memberJoins.id, joinId));
    expect(row).toMatchObject({
      outcome: 'exact',
      reason: 'resolved_by_admin',
      resolvedBy: '300000000000000001',
    });
    expect(row?.resolvedAt).toBeInstanceOf(Date);
    await expect(
      resolveJoin(handle.db, {
        guildId: GUILD,
        joinId,
        code: 'def',
        inviterId: INVITER,
        actorId: '1',
        xpPerInvite: 50,
        excluded: false,
      }),
    ).rejects.toBeInstanceOf(ResolveError);
    await expect(
      resolveJoin(handle.db, {
        guildId: '100000000000000001',
        joinId,
        code: 'abc',
        inviterId: INVITER,
        actorId: '1',
        xpPerInvite: 50,
        excluded: false,
      }),
    ).rejects.toThrow(/not found/);
  });

  it('restores an episode: the human joins received since a time, in order of receipt', async () => {
    const guild = '100000000000000098';
    await storeGuild(handle.db, guild);
    const base = Date.parse('2026-03-02T00:00:00Z');
    const joins = [
      { memberId: newMember(), receivedAt: base - 5000, memberBot: false },
      { memberId: newMember(), receivedAt: base + 2000, memberBot: false },
      { memberId: newMember(), receivedAt: base + 1000, memberBot: false },
      { memberId: newMember(), receivedAt: base + 3000, memberBot: true },
    ];
    for (const j of joins) {
      await recordPendingJoin(handle.db, {
        guildId: guild,
        memberId: j.memberId,
        joinedAt: new Date(j.receivedAt - 50),
        memberBot: j.memberBot,
        receivedAt: new Date(j.receivedAt),
      });
    }
    const restored = await episodeJoins(handle.db, guild, base);
    expect(restored.map((r) => [r.memberId, r.receivedAt.getTime()])).toEqual([
      [joins[2]!.memberId, base + 1000],
      [joins[1]!.memberId, base + 2000],
    ]);
  });

  it('knows who may be credited with a join: members and inviters of this guild only', async () => {
    const guild = '100000000000000098';
    const owner = '400000000000000090';
    const codeCreator = '400000000000000091';
    const deletedCodeCreator = '400000000000000092';
    const present = newMember();
    const left = newMember();
    const stranger = newMember();
    await upsertGuild(handle.db, {
      id: guild,
      name: 'Other',
      icon: null,
      ownerId: owner,
      features: [],
      botPermissions: null,
    });
    const invite = (code: string, inviterId: string, deletedAt: number | null) => ({
      code,
      uses: 0,
      maxUses: 0,
      expiresAt: null,
      inviterId,
      channelId: null,
      temporary: false,
      deletedAt,
    });
    await saveBaseline(handle.db, guild, {
      invites: [invite('live', codeCreator, null), invite('gone', deletedCodeCreator, Date.now())],
      vanity: null,
      takenAt: Date.now(),
    });
    const join = (memberId: string, inviterId: string) =>
      applyDecision(
        handle.db,
        {
          guildId: guild,
          memberId,
          joinedAt: at(),
          memberBot: false,
          outcome: 'exact',
          reason: 'single_code',
          code: 'live',
          inviterId,
          candidates: null,
        },
        { xpPerInvite: 0, excluded: false },
      );
    await join(present, codeCreator);
    await join(left, INVITER);
    await recordLeave(handle.db, guild, left, at());

    for (const id of [owner, codeCreator, deletedCodeCreator, INVITER, present]) {
      expect(await isMemberOrInviter(handle.db, guild, id), id).toBe(true);
    }
    for (const id of [left, stranger]) {
      expect(await isMemberOrInviter(handle.db, guild, id), id).toBe(false);
    }
    // Another guild's members and inviters are strangers here.
    expect(await isMemberOrInviter(handle.db, GUILD, present)).toBe(false);
    expect(await isMemberOrInviter(handle.db, GUILD, codeCreator)).toBe(false);
  });
});
