import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJoin } from '../../db/queries/history';
import { applyDecision } from '../../db/queries/joins';
import { applyRevision } from '../../db/queries/revisions';
import { joinView } from '../../dashboard/src/lib/server/history/view';
import { revisionTrail } from '../../dashboard/src/lib/server/history/revisions';
import { createTestDb, type TestDb, storeGuild } from '../helpers/db';

const GUILD = '100000000000000777';
const ALICE = '400000000000000077';
const MEMBER = '500000000000000077';
const joinedAt = new Date('2026-03-01T10:00:00Z');

describe('a join the gateway corrected, as the dashboard shows it', () => {
  let handle: TestDb;
  beforeAll(async () => {
    handle = await createTestDb('pglite');
    await storeGuild(handle.db, GUILD);
  });
  afterAll(() => handle.dispose());

  it('is marked corrected with when, and its trail says what changed, why and the XP moved', async () => {
    const { joinId } = await applyDecision(
      handle.db,
      {
        guildId: GUILD,
        memberId: MEMBER,
        joinedAt,
        memberBot: false,
        outcome: 'exact',
        reason: 'single_code',
        code: 'abc',
        inviterId: ALICE,
        candidates: null,
      },
      { xpPerInvite: 50, excluded: false },
    );
    const before = await getJoin(handle.db, GUILD, joinId);
    expect(before?.revisedAt).toBeNull();
    expect(joinView('de', before!).revisedAt).toBeNull();

    await applyRevision(
      handle.db,
      {
        guildId: GUILD,
        memberId: MEMBER,
        joinedAt,
        next: {
          outcome: 'ambiguous',
          reason: 'fewer_uses_than_joins',
          code: null,
          inviterId: null,
          candidates: [{ code: 'abc', inviterId: ALICE }],
        },
        cause: 'late_event',
      },
      { xpPerInvite: 50, excluded: false },
    );
    const after = await getJoin(handle.db, GUILD, joinId);
    expect(after?.revisedAt).toBeInstanceOf(Date);
    expect(joinView('en', after!).revisedAt).toBe(after!.revisedAt!.toISOString());

    const [entry, ...more] = await revisionTrail(handle.db, joinId, 'de');
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ from: 'eindeutig (abc)', to: 'nicht eindeutig', xpChange: -50 });
    expect(entry!.why).toMatch(/^korrigiert: /);
    const [english] = await revisionTrail(handle.db, joinId, 'en');
    expect(english!.why).toMatch(/^corrected: /);
  });
});
