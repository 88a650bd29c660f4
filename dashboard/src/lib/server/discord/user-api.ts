/**
 * Discord REST calls made with the user's OAuth access token (Bearer): who they are and which
 * guilds they are in with which permissions. Plain fetch: a per-user @discordjs/rest instance would
 * keep timers per token.
 */

export class DiscordAuthError extends Error {
  override name = 'DiscordAuthError';
}

export class DiscordUnavailableError extends Error {
  override name = 'DiscordUnavailableError';
}

export type DiscordUser = {
  id: string;
  username: string;
  global_name: string | null;
  avatar: string | null;
  bot?: boolean;
};

export type UserGuild = {
  id: string;
  name: string;
  icon: string | null;
  owner: boolean;
  /** The user's guild-level permissions, decimal bitfield. */
  permissions: string;
};

async function get<T>(apiBase: string, path: string, token: string, attempt = 0): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${apiBase}/v10${path}`, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      signal: AbortSignal.timeout(8000),
    });
  } catch (error) {
    throw new DiscordUnavailableError(
      `Discord could not be reached (${error instanceof Error ? error.name : 'error'})`,
    );
  }
  if (response.status === 401) throw new DiscordAuthError('the Discord access token was rejected');
  if (response.status === 429 && attempt === 0) {
    const body = (await response.json().catch(() => ({}))) as { retry_after?: number };
    const wait = Math.min(Number(body.retry_after ?? 1), 2) * 1000;
    await new Promise((resolve) => setTimeout(resolve, wait));
    return get(apiBase, path, token, attempt + 1);
  }
  if (!response.ok) {
    throw new DiscordUnavailableError(`Discord answered ${response.status} for ${path}`);
  }
  return (await response.json()) as T;
}

export function fetchCurrentUser(apiBase: string, token: string): Promise<DiscordUser> {
  return get<DiscordUser>(apiBase, '/users/@me', token);
}

/** All guilds of the user (Discord pages them by 200). */
export async function fetchUserGuilds(apiBase: string, token: string): Promise<UserGuild[]> {
  const all: UserGuild[] = [];
  let after: string | null = null;
  for (let page = 0; page < 10; page++) {
    const query: string = after ? `?limit=200&after=${after}` : '?limit=200';
    const batch = await get<UserGuild[]>(apiBase, `/users/@me/guilds${query}`, token);
    all.push(
      ...batch.map((g) => ({
        id: g.id,
        name: g.name,
        icon: g.icon,
        owner: g.owner,
        permissions: g.permissions,
      })),
    );
    if (batch.length < 200) break;
    after = batch[batch.length - 1]!.id;
  }
  return all;
}
