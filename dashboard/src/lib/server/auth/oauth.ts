/**
 * Discord OAuth2 (authorization code + PKCE S256) through arctic's generic OAuth2Client, because
 * arctic's Discord provider hard-codes discord.com and tests run against the simulator.
 */
import { CodeChallengeMethod, OAuth2Client } from 'arctic';
import type { DashboardConfig } from '../config';

export const OAUTH_SCOPES = ['identify', 'guilds'] as const;

type OAuthConfig = Pick<
  DashboardConfig,
  'clientId' | 'clientSecret' | 'redirectUri' | 'authorizeUrl' | 'tokenUrl' | 'revokeUrl'
>;

function client(config: OAuthConfig): OAuth2Client {
  return new OAuth2Client(config.clientId, config.clientSecret, config.redirectUri);
}

export function authorizationUrl(config: OAuthConfig, state: string, codeVerifier: string): URL {
  const url = client(config).createAuthorizationURLWithPKCE(
    config.authorizeUrl,
    state,
    CodeChallengeMethod.S256,
    codeVerifier,
    [...OAUTH_SCOPES],
  );
  url.searchParams.set('prompt', 'none');
  return url;
}

export type DiscordTokens = { accessToken: string; expiresAt: Date | null; scopes: string[] };

export async function exchangeCode(
  config: OAuthConfig,
  code: string,
  codeVerifier: string,
): Promise<DiscordTokens> {
  const tokens = await client(config).validateAuthorizationCode(
    config.tokenUrl,
    code,
    codeVerifier,
  );
  const expiresAt = 'expires_in' in tokens.data ? tokens.accessTokenExpiresAt() : null;
  const scopes = tokens.hasScopes() ? tokens.scopes() : [];
  return { accessToken: tokens.accessToken(), expiresAt, scopes };
}

/** Best effort: tells Discord the token is no longer needed (logout). */
export async function revokeToken(config: OAuthConfig, token: string): Promise<void> {
  await client(config).revokeToken(config.revokeUrl, token);
}
