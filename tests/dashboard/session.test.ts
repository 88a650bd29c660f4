import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertUsers } from '../../db/queries/users';
import { authSessions } from '../../db/schema';
import {
  createSession,
  invalidateSession,
  invalidateUserSessions,
  SESSION_DURATION_MS,
  slidingExpiry,
  validateSessionToken,
} from '../../dashboard/src/lib/server/auth/session';
import { deriveTokenKey } from '../../dashboard/src/lib/server/auth/token-crypto';
import {
  generateSessionToken,
  hashSecret,
  parseSessionToken,
  secretMatches,
} from '../../dashboard/src/lib/server/auth/token';
import { createTestDb, dbKinds, type TestDb } from '../helpers/db';

const USER = '300000000000000042';
const KEY = deriveTokenKey('a session secret of at least thirty-two characters');
const DAY = 86_400_000;

describe('session tokens', () => {
  it('are id.secret with 24 characters of a 32-letter alphabet each, and differ every time', () => {
    const a = generateSessionToken();
    const b = generateSessionToken();
    expect(a.token).toMatch(/^[a-km-z2-9]{24}\.[a-km-z2-9]{24}$/);
    expect(a.token).toBe(`${a.id}.${a.secret}`);
    expect(a.id).not.toBe(b.id);
    expect(a.secret).not.toBe(b.secret);
  });

  it('parse only well-formed tokens', () => {
    const { token, id, secret } = generateSessionToken();
    expect(parseSessionToken(token)).toEqual({ id, secret });
    for (const bad of [
      '',
      'abc',
      `${id}.`,
      `.${secret}`,
      `${id}.${secret}.x`,
      `${id}.${secret.toUpperCase()}`,
    ]) {
      expect(parseSessionToken(bad)).toBeNull();
    }
    expect(parseSessionToken(undefined)).toBeNull();
  });

  it('store only SHA-256 of the secret and compare it', () => {
    const { secret } = generateSessionToken();
    const hash = hashSecret(secret);
    expect(hash).toHaveLength(32);
    expect(Buffer.from(hash).toString('hex')).not.toContain(Buffer.from(secret).toString('hex'));
    expect(secretMatches(secret, hash)).toBe(true);
    expect(secretMatches(`${secret.slice(0, -1)}a`, hash)).toBe(secret.endsWith('a'));
    expect(secretMatches(secret, hash.subarray(0, 31))).toBe(false);
  });

  it('slide: extend only when less than half of the lifetime remains', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(slidingExpiry(new Date(now.getTime() + 20 * DAY), now)).toBeNull();
    expect(slidingExpiry(new Date(now.getTime() + 10 * DAY), now)).toEqual(
      new Date(now.getTime() + SESSION_DURATION_MS),
    );
  });
});

describe.each(dbKinds)('sessions on %s', (kind) => {
  let handle: TestDb;
  beforeAll(async () => {
    handle = await createTestDb(kind);
    await upsertUsers(handle.db, [
      { id: USER, username: 'admin', globalName: 'Admin', avatar: null, bot: false },
    ]);
  });
  afterAll(() => handle.dispose());

  const start = new Date('2026-02-01T00:00:00Z');
  const create = (
    now = start,
    discordTokenExpiresAt: Date | null = new Date(start.getTime() + 7 * DAY),
  ) =>
    createSession(handle.db, {
      userId: USER,
      discordToken: 'discord-access-token',
      discordTokenExpiresAt,
      key: KEY,
      now,
    });

  it('creates a session whose row holds neither the secret nor the Discord token in clear', async () => {
    const { token, session } = await create();
    const [row] = await handle.db
      .select()
      .from(authSessions)
      .where(eq(authSessions.id, session.id));
    const secret = token.split('.')[1]!;
    const stored = JSON.stringify(row, (_k, v) =>
      v instanceof Uint8Array || Buffer.isBuffer(v) ? Buffer.from(v).toString('latin1') : v,
    );
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain('discord-access-token');
    expect(row!.expiresAt).toEqual(new Date(start.getTime() + SESSION_DURATION_MS));
  });

  it('validates the token and returns the user and the decrypted Discord token', async () => {
    const { token, session } = await create();
    const result = await validateSessionToken(handle.db, token, {
      key: KEY,
      now: new Date(start.getTime() + DAY),
    });
    expect(result?.session.id).toBe(session.id);
    expect(result?.session.discordToken).toBe('discord-access-token');
    expect(result?.user).toMatchObject({ id: USER, username: 'admin', globalName: 'Admin' });
    expect(result?.extended).toBe(false);
  });

  it('rejects a wrong secret, an unknown id and garbage', async () => {
    const { token } = await create();
    const [id, secret] = token.split('.') as [string, string];
    const other = generateSessionToken();
    const now = new Date(start.getTime() + DAY);
    expect(
      await validateSessionToken(handle.db, `${id}.${other.secret}`, { key: KEY, now }),
    ).toBeNull();
    expect(
      await validateSessionToken(handle.db, `${other.id}.${secret}`, { key: KEY, now }),
    ).toBeNull();
    expect(await validateSessionToken(handle.db, 'garbage', { key: KEY, now })).toBeNull();
    // The right token still works: a wrong guess does not destroy the session.
    expect(await validateSessionToken(handle.db, token, { key: KEY, now })).not.toBeNull();
  });

  it('slides the expiry when used in the second half of its life', async () => {
    const { token, session } = await create(start, null);
    const later = new Date(start.getTime() + 20 * DAY);
    const result = await validateSessionToken(handle.db, token, { key: KEY, now: later });
    expect(result?.extended).toBe(true);
    expect(result?.session.expiresAt).toEqual(new Date(later.getTime() + SESSION_DURATION_MS));
    const [row] = await handle.db
      .select()
      .from(authSessions)
      .where(eq(authSessions.id, session.id));
    expect(row!.expiresAt).toEqual(result!.session.expiresAt);
  });

  it('expires: after 30 days unused the session is gone', async () => {
    const { token, session } = await create(start, null);
    const after = new Date(start.getTime() + SESSION_DURATION_MS + 1);
    expect(await validateSessionToken(handle.db, token, { key: KEY, now: after })).toBeNull();
    expect(
      await handle.db.select().from(authSessions).where(eq(authSessions.id, session.id)),
    ).toHaveLength(0);
  });

  it('ends when the Discord access token expires (the user logs in again)', async () => {
    const { token, session } = await create(start, new Date(start.getTime() + 7 * DAY));
    expect(
      await validateSessionToken(handle.db, token, {
        key: KEY,
        now: new Date(start.getTime() + 8 * DAY),
      }),
    ).toBeNull();
    expect(
      await handle.db.select().from(authSessions).where(eq(authSessions.id, session.id)),
    ).toHaveLength(0);
  });

  it('ends when the stored Discord token cannot be decrypted (SESSION_SECRET changed)', async () => {
    const { token } = await create();
    const otherKey = deriveTokenKey('another secret that is also long enough!!');
    expect(await validateSessionToken(handle.db, token, { key: otherKey, now: start })).toBeNull();
  });

  it('invalidates one session, or all of a user', async () => {
    const one = await create();
    const two = await create();
    await invalidateSession(handle.db, one.session.id);
    expect(await validateSessionToken(handle.db, one.token, { key: KEY, now: start })).toBeNull();
    expect(
      await validateSessionToken(handle.db, two.token, { key: KEY, now: start }),
    ).not.toBeNull();
    await invalidateUserSessions(handle.db, USER);
    expect(await validateSessionToken(handle.db, two.token, { key: KEY, now: start })).toBeNull();
  });
});
