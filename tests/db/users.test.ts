/**
 * The user directory: payload users are stored in batches, and inviters nobody has seen are looked
 * up lazily, a bounded number per round, skipping ids Discord does not know.
 */
import { DiscordAPIError } from '@discordjs/rest';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeCreatedInvite } from '../../db/queries/invites';
import { getUsers, unnamedInviterIds, upsertUsers } from '../../db/queries/users';
import { UserDirectory } from '../../gateway/persist/user-directory';
import { createTestDb, dbKinds, storeGuild, type TestDb } from '../helpers/db';

const GUILD = '100000000000000701';
const inviter = (n: number) => String(600000000000000000n + BigInt(n));
const hash = (n: number) => n.toString(16).padStart(32, '0');

describe.each(dbKinds)('user directory on %s', (kind) => {
  let handle: TestDb;
  const log = pino({ level: 'silent' });

  beforeAll(async () => {
    handle = await createTestDb(kind);
    await storeGuild(handle.db, GUILD);
    for (let n = 1; n <= 12; n++) {
      await storeCreatedInvite(handle.db, GUILD, {
        code: `code${n}`,
        uses: 0,
        maxUses: 0,
        expiresAt: null,
        inviterId: inviter(n),
        channelId: null,
        temporary: false,
        deletedAt: null,
      });
    }
    await upsertUsers(handle.db, [
      { id: inviter(1), username: 'known', globalName: null, avatar: null, bot: false },
    ]);
  });
  afterAll(() => handle.dispose());

  it('lists inviters without a name, bounded and skipping ids given', async () => {
    const ids = await unnamedInviterIds(handle.db, 100);
    expect(ids.sort()).toEqual(Array.from({ length: 11 }, (_, i) => inviter(i + 2)).sort());
    expect(await unnamedInviterIds(handle.db, 3)).toHaveLength(3);
    expect(await unnamedInviterIds(handle.db, 100, [inviter(2), inviter(3)])).toHaveLength(9);
  });

  it('stores what payloads carry, once per change', async () => {
    const directory = new UserDirectory(handle.db, log);
    directory.remember({
      id: inviter(1),
      username: 'known',
      global_name: 'Known K',
      avatar: hash(1),
    });
    await directory.flush();
    const stored = await getUsers(handle.db, [inviter(1)]);
    expect(stored.get(inviter(1))).toMatchObject({ globalName: 'Known K', avatar: hash(1) });
  });

  it('names unnamed inviters a few per round and does not ask again for unknown ids', async () => {
    const directory = new UserDirectory(handle.db, log);
    const asked: string[] = [];
    const missing = inviter(2);
    const api = {
      users: {
        get: async (id: string) => {
          asked.push(id);
          if (id === missing) {
            throw new DiscordAPIError(
              { code: 10013, message: 'Unknown User' },
              10013,
              404,
              'GET',
              `/users/${id}`,
              {},
            );
          }
          return { id, username: `user${id.slice(-2)}`, global_name: null, avatar: null };
        },
      },
    } as never;
    const first = await directory.refreshUnnamed(api, 5);
    expect(asked).toHaveLength(5);
    // The unknown id may be among the first five; every other id asked got a name.
    expect(first).toBe(asked.includes(missing) ? 4 : 5);
    while ((await directory.refreshUnnamed(api, 5)) > 0);
    expect(asked.filter((id) => id === missing)).toHaveLength(1);
    expect(new Set(asked).size).toBe(asked.length);
    const names = await getUsers(handle.db, asked);
    expect(names.size).toBe(asked.length - 1);
    expect(await unnamedInviterIds(handle.db, 100)).toEqual([missing]);
  });

  it('ends a round when Discord fails, and tries again in the next', async () => {
    const directory = new UserDirectory(handle.db, log);
    let calls = 0;
    const failing = {
      users: {
        get: async () => {
          calls++;
          throw new Error('socket hang up');
        },
      },
    } as never;
    expect(await directory.refreshUnnamed(failing, 5)).toBe(0);
    expect(calls).toBe(1);
    // A failure is not "unknown user": the next round asks for the same id again.
    expect(await directory.refreshUnnamed(failing, 5)).toBe(0);
    expect(calls).toBe(2);
  });
});
