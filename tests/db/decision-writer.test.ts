/**
 * Storing a guild's decisions together (gateway/persist/decision-writer): a burst through one link
 * recounts its inviter once, and what is stored equals storing the joins one output at a time.
 */
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPendingJoins } from '../../db/queries/joins';
import { inviterCounts, rebuildInviterStats } from '../../db/queries/leaderboard';
import { updateGuildSettings } from '../../db/queries/settings';
import { memberXp, outbox } from '../../db/schema';
import type { Db } from '../../db/client';
import type { Decision } from '../../gateway/attribution/types';
import { writeGuildOutput } from '../../gateway/persist/decision-writer';
import { createTestDb, dbKinds, storeGuild, type TestDb } from '../helpers/db';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const ALICE = '400000000000000001';
const LOG = '500000000000000001';
const member = (i: number) => String(200000000000000000n + BigInt(i));

function exact(i: number): Decision {
  return {
    key: `${member(i)}@${T0 + i}`,
    memberId: member(i),
    joinedAt: new Date(T0 + i).toISOString(),
    outcome: 'exact',
    reason: 'single_code',
    code: 'raid',
    inviterId: ALICE,
    candidates: null,
  };
}

async function guildWithJoins(db: Db, guildId: string, joins: number): Promise<void> {
  await storeGuild(db, guildId);
  await updateGuildSettings(db, guildId, { logChannelId: LOG }, null);
  await recordPendingJoins(
    db,
    guildId,
    Array.from({ length: joins }, (_, i) => ({
      guildId,
      memberId: member(i),
      joinedAt: new Date(T0 + i),
      memberBot: false,
    })),
  );
}

async function stored(db: Db, guildId: string) {
  const lines = await db
    .select({ body: outbox.body })
    .from(outbox)
    .where(and(eq(outbox.guildId, guildId), eq(outbox.kind, 'log')))
    .orderBy(asc(outbox.id));
  const [xp] = await db
    .select({ xp: memberXp.xp })
    .from(memberXp)
    .where(and(eq(memberXp.guildId, guildId), eq(memberXp.userId, ALICE)));
  return {
    counts: await inviterCounts(db, guildId, ALICE),
    xp: xp?.xp ?? 0,
    lines: lines.map((l) => String(l.body.content)),
  };
}

describe.each(dbKinds)('storing decisions together on %s', (kind) => {
  let handle: TestDb;
  beforeAll(async () => {
    handle = await createTestDb(kind);
  });
  afterAll(() => handle.dispose());

  it('recounts a burst through one link once: the same counters and XP as one by one', async () => {
    const { db } = handle;
    const together = '100000000000008001';
    const alone = '100000000000008002';
    await guildWithJoins(db, together, 30);
    await guildWithJoins(db, alone, 30);
    const none = { revisions: [], baseline: null };
    await writeGuildOutput(db, together, { decisions: [0, 1, 2].map(exact), ...none }, new Set());
    const burst = Array.from({ length: 27 }, (_, i) => exact(i + 3));
    await writeGuildOutput(db, together, { decisions: burst, ...none }, new Set());
    for (let i = 0; i < 30; i++) {
      await writeGuildOutput(db, alone, { decisions: [exact(i)], ...none }, new Set());
    }

    const a = await stored(db, together);
    const b = await stored(db, alone);
    expect(a.counts).toEqual(b.counts);
    expect(a.counts.total).toBe(30);
    expect(a.xp).toBe(b.xp);
    expect(a.xp).toBe(30 * 50);
    // Stored one by one, each line has the count after its own join; stored together, the lines of
    // one output all show the count after the whole output.
    expect(b.lines.map((l) => l.match(/Einladungs-Count: (\d+)$/)?.[1])).toEqual(
      Array.from({ length: 30 }, (_, i) => String(i + 1)),
    );
    expect(a.lines.map((l) => l.match(/Einladungs-Count: (\d+)$/)?.[1])).toEqual([
      ...['3', '3', '3'],
      ...Array.from({ length: 27 }, () => '30'),
    ]);
    // The counters kept equal a rebuild from the records.
    await rebuildInviterStats(db, together);
    expect(await inviterCounts(db, together, ALICE)).toEqual(a.counts);
  });

  it('recounts a burst of revisions once: ambiguous joins that turn out exact earn and count', async () => {
    const { db } = handle;
    const guildId = '100000000000008003';
    await guildWithJoins(db, guildId, 12);
    const first = Array.from({ length: 12 }, (_, i): Decision => ({
      ...exact(i),
      outcome: 'ambiguous',
      reason: 'burst_unsettled',
      code: null,
      inviterId: null,
      candidates: [{ code: 'raid', inviterId: ALICE }],
    }));
    const none = { revisions: [], baseline: null };
    await writeGuildOutput(db, guildId, { decisions: first, ...none }, new Set());
    expect((await stored(db, guildId)).counts.total).toBe(0);
    const revisions = first.map((previous, i) => ({
      previous,
      next: exact(i),
      cause: 'later_fetch' as const,
      at: T0 + 60_000,
    }));
    const written = await writeGuildOutput(
      db,
      guildId,
      { decisions: [], revisions, baseline: null },
      new Set(),
    );
    expect(written.revised).toHaveLength(12);
    const after = await stored(db, guildId);
    expect(after.counts.total).toBe(12);
    expect(after.xp).toBe(12 * 50);
    // The unsent lines now say what they say now, with the count after all twelve.
    expect(after.lines).toHaveLength(12);
    for (const line of after.lines) expect(line).toMatch(/Einladungs-Count: 12 _\(korrigiert/);
    await rebuildInviterStats(db, guildId);
    expect(await inviterCounts(db, guildId, ALICE)).toEqual(after.counts);
  });
});
