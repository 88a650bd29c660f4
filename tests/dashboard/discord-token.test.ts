/**
 * The built dashboard with the simulator (no browser): the stored Discord token is encrypted, and
 * when Discord revokes it the session ends at the next permission check.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertGuild } from '../../db/queries/guilds';
import { authSessions } from '../../db/schema';
import { decryptToken, deriveTokenKey } from '../../dashboard/src/lib/server/auth/token-crypto';
import { cookieHeader, DashboardStack, loginWithFetch, SESSION_SECRET } from '../browser/stack';

describe('Discord access token of a session', () => {
  let stack: DashboardStack;
  let guildId: string;
  let userId: string;

  beforeAll(async () => {
    stack = await DashboardStack.create();
    const owner = stack.sim.createUser({ username: 'owner' });
    userId = owner.id;
    const guild = stack.sim.createGuild({ name: 'G', ownerId: owner.id });
    guildId = guild.id;
    const { db } = await stack.db();
    await upsertGuild(db, {
      id: guild.id,
      name: 'G',
      icon: null,
      ownerId: owner.id,
      features: [],
      botPermissions: null,
    });
    // No caching of the guild list: every request asks Discord, so a revocation shows at once.
    await stack.start({ GUILD_CACHE_SECONDS: '0' });
  }, 60_000);
  afterAll(() => stack?.close());

  it('is stored encrypted, and a revoked token ends the session', async () => {
    const jar = await loginWithFetch(stack.base, userId);
    const headers = { cookie: cookieHeader(jar) };
    expect((await fetch(`${stack.base}/servers/${guildId}`, { headers })).status).toBe(200);

    const sessionId = jar.get('it_session')!.split('.')[0]!;
    if (stack.kind === 'pglite') await stack.stop();
    const { db } = await stack.db();
    const [row] = await db.select().from(authSessions).where(eq(authSessions.id, sessionId));
    const token = decryptToken(
      deriveTokenKey(SESSION_SECRET),
      sessionId,
      new Uint8Array(row!.discordToken!),
    );
    expect(token).toBeTruthy();
    expect(Buffer.from(row!.discordToken!).toString('latin1')).not.toContain(token!);
    expect(row!.discordTokenExpiresAt).toBeInstanceOf(Date);
    if (stack.kind === 'pglite') await stack.start({ GUILD_CACHE_SECONDS: '0' });

    const revoke = await fetch(`${stack.sim.api}/oauth2/token/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: token!,
        client_id: stack.sim.oauth.clientId,
        client_secret: stack.sim.oauth.clientSecret,
      }),
    });
    expect(revoke.status).toBe(200);

    const after = await fetch(`${stack.base}/servers/${guildId}`, { headers, redirect: 'manual' });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe(
      `/login?next=${encodeURIComponent(`/servers/${guildId}`)}`,
    );
    const again = await fetch(`${stack.base}/servers`, { headers, redirect: 'manual' });
    expect(again.status).toBe(303);
    if (stack.kind === 'pglite') await stack.stop();
    const { db: db2 } = await stack.db();
    expect(
      await db2.select().from(authSessions).where(eq(authSessions.id, sessionId)),
    ).toHaveLength(0);
  });
});
