/**
 * Dashboard sessions in Lucia's pattern (see token.ts): create, validate with sliding expiry,
 * invalidate. The user's Discord access token lives in the session row, encrypted (token-crypto.ts).
 */
import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '$db/client';
import { authSessions, users } from '$db/schema';
import { decryptToken, encryptToken } from './token-crypto';
import { generateSessionToken, hashSecret, parseSessionToken, secretMatches } from './token';

const DAY_MS = 86_400_000;
/** A session lives 30 days from its last use... */
export const SESSION_DURATION_MS = 30 * DAY_MS;
/** ...and is extended when less than half of that remains (at most one write per 15 days). */
export const SESSION_EXTEND_BELOW_MS = SESSION_DURATION_MS / 2;

/** The new expiry when a session used at `now` should be extended, else null. Pure. */
export function slidingExpiry(expiresAt: Date, now: Date): Date | null {
  return expiresAt.getTime() - now.getTime() < SESSION_EXTEND_BELOW_MS
    ? new Date(now.getTime() + SESSION_DURATION_MS)
    : null;
}

export type Session = {
  id: string;
  userId: string;
  expiresAt: Date;
  /** Discord OAuth access token (decrypted; server-side only, never logged or sent to the browser). */
  discordToken: string;
  discordTokenExpiresAt: Date | null;
};

export type SessionUser = {
  id: string;
  username: string;
  globalName: string | null;
  avatar: string | null;
};

export type ValidatedSession = { session: Session; user: SessionUser; extended: boolean };

export async function createSession(
  db: Db,
  input: {
    userId: string;
    discordToken: string;
    discordTokenExpiresAt: Date | null;
    key: Buffer;
    now?: Date;
  },
): Promise<{ token: string; session: Session }> {
  const now = input.now ?? new Date();
  const { id, secret, token } = generateSessionToken();
  const session: Session = {
    id,
    userId: input.userId,
    expiresAt: new Date(now.getTime() + SESSION_DURATION_MS),
    discordToken: input.discordToken,
    discordTokenExpiresAt: input.discordTokenExpiresAt,
  };
  await db.insert(authSessions).values({
    id,
    userId: input.userId,
    secretHash: hashSecret(secret),
    createdAt: now,
    expiresAt: session.expiresAt,
    discordToken: encryptToken(input.key, id, input.discordToken),
    discordTokenExpiresAt: input.discordTokenExpiresAt,
  });
  return { token, session };
}

/**
 * The session and user for a cookie token, or null (unknown, wrong secret, expired, or its Discord
 * token expired or cannot be decrypted; the latter two delete the session: the user logs in again).
 */
export async function validateSessionToken(
  db: Db,
  token: string | undefined | null,
  options: { key: Buffer; now?: Date },
): Promise<ValidatedSession | null> {
  const parsed = parseSessionToken(token);
  if (!parsed) return null;
  const now = options.now ?? new Date();
  const [row] = await db
    .select({
      id: authSessions.id,
      userId: authSessions.userId,
      secretHash: authSessions.secretHash,
      expiresAt: authSessions.expiresAt,
      discordToken: authSessions.discordToken,
      discordTokenExpiresAt: authSessions.discordTokenExpiresAt,
      username: users.username,
      globalName: users.globalName,
      avatar: users.avatar,
    })
    .from(authSessions)
    .innerJoin(users, eq(users.id, authSessions.userId))
    .where(eq(authSessions.id, parsed.id));
  if (!row) return null;
  if (!secretMatches(parsed.secret, new Uint8Array(row.secretHash))) return null;
  const discordExpired =
    row.discordTokenExpiresAt !== null && row.discordTokenExpiresAt.getTime() <= now.getTime();
  const discordToken = row.discordToken
    ? decryptToken(options.key, row.id, new Uint8Array(row.discordToken))
    : null;
  if (row.expiresAt.getTime() <= now.getTime() || discordExpired || discordToken === null) {
    await invalidateSession(db, row.id);
    return null;
  }
  let expiresAt = row.expiresAt;
  const extended = slidingExpiry(expiresAt, now);
  if (extended) {
    expiresAt = extended;
    await db.update(authSessions).set({ expiresAt }).where(eq(authSessions.id, row.id));
  }
  return {
    session: {
      id: row.id,
      userId: row.userId,
      expiresAt,
      discordToken,
      discordTokenExpiresAt: row.discordTokenExpiresAt,
    },
    user: {
      id: row.userId,
      username: row.username,
      globalName: row.globalName,
      avatar: row.avatar,
    },
    extended: extended !== null,
  };
}

export async function invalidateSession(db: Db, sessionId: string): Promise<void> {
  await db.delete(authSessions).where(eq(authSessions.id, sessionId));
}

export async function invalidateUserSessions(db: Db, userId: string): Promise<void> {
  await db.delete(authSessions).where(eq(authSessions.userId, userId));
}

/** Housekeeping: drops sessions that expired before `now`. */
export async function deleteExpiredSessions(db: Db, now = new Date()): Promise<void> {
  await db.delete(authSessions).where(and(lt(authSessions.expiresAt, now)));
}
