import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awardInviteXp } from '../../db/queries/rewards';
import { inviteRewards, memberXp } from '../../db/schema';
import { createTestDb, dbKinds, type TestDb, storeGuild } from '../helpers/db';

const GUILD = '100000000000000077';
const INVITER = '400000000000000001';

describe.each(dbKinds)('invite XP on %s', (kind) => {
  let handle: TestDb;
  beforeAll(async () => {
    handle = await createTestDb(kind);
    await storeGuild(handle.db, GUILD);
  });
  afterAll(() => handle.dispose());

  const reward = (code: string, memberId: string) => ({
    guildId: GUILD,
    code,
    memberId,
    inviterId: INVITER,
    joinId: null,
    xp: 50,
  });

  it('awards once per guild, code and member even from two concurrent transactions', async () => {
    const results = await Promise.all(
      [0, 1].map(() =>
        handle.db.transaction(async (tx) => {
          const awarded = await awardInviteXp(tx, reward('abc', '500000000000000001'));
          // Hold the transaction open a moment so both really overlap on Postgres.
          await tx.execute(sql`select pg_sleep(0.05)`);
          return awarded;
        }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const rows = await handle.db.select().from(inviteRewards).where(eq(inviteRewards.code, 'abc'));
    expect(rows).toHaveLength(1);
    const [xp] = await handle.db.select().from(memberXp).where(eq(memberXp.userId, INVITER));
    expect(xp?.xp).toBe(50);
  });

  it('awards again for another code or another member', async () => {
    expect(await awardInviteXp(handle.db, reward('def', '500000000000000001'))).toBe(true);
    expect(await awardInviteXp(handle.db, reward('abc', '500000000000000002'))).toBe(true);
    expect(await awardInviteXp(handle.db, reward('abc', '500000000000000002'))).toBe(false);
    const [xp] = await handle.db.select().from(memberXp).where(eq(memberXp.userId, INVITER));
    expect(xp?.xp).toBe(150);
  });
});
