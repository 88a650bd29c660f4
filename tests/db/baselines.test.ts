/**
 * The batched start-up writes store exactly what the per-guild writes store: random histories of
 * baselines and INVITE_CREATEs for a few guilds, written one by one in one database and in random
 * batches in another, end with the same invite rows and guild snapshot columns.
 */
import fc from 'fast-check';
import { asc, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertGuild, upsertGuilds, type GuildInfo } from '../../db/queries/guilds';
import {
  saveBaseline,
  saveBaselines,
  storeCreatedInvite,
  type InviteRecord,
} from '../../db/queries/invites';
import { guilds, invites } from '../../db/schema';
import { createTestDb, dbKinds, type TestDb } from '../helpers/db';

let nextGuild = 200000000000000000n;
const CODES = ['a', 'b', 'c', 'd', 'e'];

const inviteArb = fc.record({
  code: fc.constantFrom(...CODES),
  uses: fc.nat(50),
  maxUses: fc.constantFrom(0, 10),
  expiresAt: fc.option(fc.integer({ min: 1_800_000_000, max: 1_900_000_000 }).map((s) => s * 1000)),
  inviterId: fc.option(fc.constantFrom('400000000000000001', '400000000000000002')),
  channelId: fc.constant('500000000000000001'),
  temporary: fc.boolean(),
  deletedAt: fc.constant(null),
});

type Step =
  | {
      kind: 'baseline';
      guild: number;
      invites: InviteRecord[];
      vanity: number | null;
      /** Taken a minute before now (an INVITE_CREATE stored since survives it) or after. */
      takenAfter: boolean;
    }
  | { kind: 'created'; guild: number; invite: InviteRecord };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('baseline' as const),
    guild: fc.nat(2),
    invites: fc.uniqueArray(inviteArb, { selector: (i) => i.code, maxLength: 5 }),
    vanity: fc.option(fc.nat(100)),
    takenAfter: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('created' as const), guild: fc.nat(2), invite: inviteArb }),
);

describe.each(dbKinds)('batched start-up writes on %s', (kind) => {
  let one: TestDb;
  let batched: TestDb;
  beforeAll(async () => {
    [one, batched] = await Promise.all([createTestDb(kind), createTestDb(kind)]);
  });
  afterAll(async () => {
    await Promise.all([one.dispose(), batched.dispose()]);
  });

  const rows = async (db: TestDb, ids: string[]) => ({
    invites: (
      await db.db
        .select()
        .from(invites)
        .where(inArray(invites.guildId, ids))
        .orderBy(asc(invites.guildId), asc(invites.code))
    ).map(({ createdAt, updatedAt, ...rest }) => (void createdAt, void updatedAt, rest)),
    guilds: (
      await db.db.select().from(guilds).where(inArray(guilds.id, ids)).orderBy(asc(guilds.id))
    ).map(({ createdAt, updatedAt, ...rest }) => (void createdAt, void updatedAt, rest)),
  });

  it('store the same rows as one write per guild', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 1, maxLength: 12 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        async (steps, cuts) => {
          const ids = [0, 1, 2].map(() => String((nextGuild += 1n)));
          const infos: GuildInfo[] = ids.map((id, i) => ({
            id,
            name: `G${i}`,
            icon: null,
            ownerId: null,
            features: i === 0 ? ['VANITY_URL'] : [],
            botPermissions: '32',
          }));
          for (const info of infos) await upsertGuild(one.db, info);
          await upsertGuilds(batched.db, infos);
          let batch: Parameters<typeof saveBaselines>[1][number][] = [];
          const flush = async () => {
            await batched.db.transaction((tx) => saveBaselines(tx, batch));
            batch = [];
          };
          for (const [index, step] of steps.entries()) {
            const guildId = ids[step.guild]!;
            if (step.kind === 'baseline') {
              const snapshot = {
                invites: step.invites,
                vanity: step.vanity === null ? null : { code: 'v', uses: step.vanity },
                takenAt:
                  Math.floor(Date.now() / 1000) * 1000 + (step.takenAfter ? 60_000 : -60_000),
              };
              await one.db.transaction((tx) => saveBaseline(tx, guildId, snapshot));
              // A guild's next write waits for its batch (the runner's chain), as here.
              if (batch.some((b) => b.guildId === guildId)) await flush();
              batch.push({ guildId, ...snapshot });
            } else {
              await flush();
              await storeCreatedInvite(one.db, guildId, step.invite);
              await storeCreatedInvite(batched.db, guildId, step.invite);
            }
            if (cuts[index]) await flush();
          }
          await flush();
          expect(await rows(batched, ids)).toEqual(await rows(one, ids));
        },
      ),
      { numRuns: kind === 'pglite' ? 25 : 40 },
    );
  }, 120_000);

  it('refresh guild rows given twice in one batch with the later one, and clear removed_at', async () => {
    const id = String((nextGuild += 1n));
    const base = { id, icon: null, ownerId: null, features: [], botPermissions: null };
    await upsertGuilds(batched.db, [
      { ...base, name: 'old' },
      { ...base, name: 'new', botPermissions: '8' },
    ]);
    await batched.db.update(guilds).set({ removedAt: new Date() });
    await upsertGuilds(batched.db, [{ ...base, name: 'newer' }]);
    const [row] = await batched.db
      .select()
      .from(guilds)
      .where(inArray(guilds.id, [id]));
    expect(row).toMatchObject({ name: 'newer', removedAt: null, botPermissions: null });
  });
});
