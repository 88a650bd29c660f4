/**
 * OAuth2 for the dashboard login: /oauth2/authorize auto-consents as the simulated browser's user
 * and redirects with a code; /oauth2/token exchanges codes (PKCE checked) and refresh tokens;
 * revoke. Errors use the OAuth shape {error, error_description}.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Core } from './core';
import { isRecord, json, type Reply, type RequestContext, type Route } from './http';

const KNOWN_SCOPES = new Set([
  'identify',
  'email',
  'guilds',
  'guilds.join',
  'guilds.members.read',
  'connections',
  'openid',
  'applications.commands',
  'bot',
  'role_connections.write',
]);

type CodeRec = {
  code: string;
  userId: string;
  redirectUri: string;
  scopes: string[];
  challenge: string | null;
  challengeMethod: 'S256' | 'plain' | null;
  expiresAt: number;
  used: boolean;
};

export type AccessTokenRec = {
  accessToken: string;
  refreshToken: string;
  userId: string;
  scopes: string[];
  expiresAt: number;
  revoked: boolean;
};

class OAuthFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

export class OAuthStore {
  readonly #core: Core;
  readonly #codes = new Map<string, CodeRec>();
  readonly #access = new Map<string, AccessTokenRec>();
  readonly #refresh = new Map<string, AccessTokenRec>();

  constructor(core: Core) {
    this.#core = core;
  }

  /** A valid (unexpired, unrevoked) access token, or undefined. */
  lookupAccess(token: string): AccessTokenRec | undefined {
    const rec = this.#access.get(token);
    if (!rec || rec.revoked || Date.now() >= rec.expiresAt) return undefined;
    return rec;
  }

  /** Mint tokens directly (tests that skip the browser step). */
  issue(userId: string, scopes: string[]): AccessTokenRec {
    const rec: AccessTokenRec = {
      accessToken: this.#core.ids.urlSafe(30),
      refreshToken: this.#core.ids.urlSafe(30),
      userId,
      scopes,
      expiresAt: Date.now() + this.#core.config.accessTokenTtlSeconds * 1000,
      revoked: false,
    };
    this.#access.set(rec.accessToken, rec);
    this.#refresh.set(rec.refreshToken, rec);
    return rec;
  }

  redirectAllowed(uri: string): boolean {
    const registered = this.#core.config.redirectUris;
    if (registered) return registered.includes(uri);
    try {
      const url = new URL(uri);
      return (
        url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost')
      );
    } catch {
      return false;
    }
  }

  /**
   * GET /oauth2/authorize. The "logged in" user is the control API's choice, overridable per
   * request with ?sim_user=<id> or a sim_user=<id> cookie; ?sim_deny=1 simulates "Cancel".
   */
  authorize(url: URL, headers: IncomingHttpHeaders): Reply {
    const core = this.#core;
    const q = url.searchParams;
    const clientId = q.get('client_id');
    const redirectUri = q.get('redirect_uri');
    if (clientId !== core.applicationId) {
      return json({ message: 'Invalid OAuth2 application', code: 0, error: 'invalid_client' }, 400);
    }
    if (!redirectUri || !this.redirectAllowed(redirectUri)) {
      return json(
        { message: 'Invalid OAuth2 redirect_uri', code: 50035, error: 'invalid_request' },
        400,
      );
    }
    const state = q.get('state');
    const back = (params: Record<string, string>): Reply => {
      const target = new URL(redirectUri);
      for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
      if (state !== null) target.searchParams.set('state', state);
      return { status: 302, headers: { Location: target.toString() } };
    };
    if (q.get('response_type') !== 'code') {
      return back({
        error: 'unsupported_response_type',
        error_description: 'response_type must be code',
      });
    }
    const scopes = (q.get('scope') ?? '').split(/[ +]/).filter(Boolean);
    if (scopes.length === 0 || scopes.some((s) => !KNOWN_SCOPES.has(s))) {
      return back({ error: 'invalid_scope', error_description: 'The requested scope is invalid' });
    }
    const challenge = q.get('code_challenge');
    const method = q.get('code_challenge_method') ?? (challenge ? 'plain' : null);
    if (method !== null && method !== 'S256' && method !== 'plain') {
      return back({
        error: 'invalid_request',
        error_description: 'Unsupported code_challenge_method',
      });
    }
    if (q.get('sim_deny') === '1') {
      return back({
        error: 'access_denied',
        error_description: 'The resource owner or authorization server denied the request',
      });
    }
    const userId = q.get('sim_user') ?? cookie(headers, 'sim_user') ?? core.config.oauthUserId;
    if (!userId || !core.world.users.has(userId)) {
      return json(
        {
          message:
            'No simulated user is logged in: set one with PUT /_sim/oauth/user, ?sim_user= or a sim_user cookie',
          code: 0,
        },
        401,
      );
    }
    const code = core.ids.urlSafe(30);
    this.#codes.set(code, {
      code,
      userId,
      redirectUri,
      scopes,
      challenge,
      challengeMethod: challenge ? (method as 'S256' | 'plain') : null,
      expiresAt: Date.now() + core.config.codeTtlMs,
      used: false,
    });
    return back({ code });
  }

  #clientAuth(ctx: RequestContext, form: Record<string, string>): void {
    let id = form.client_id;
    let secret = form.client_secret;
    const header = ctx.headers.authorization;
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      id = decodeURIComponent(decoded.slice(0, colon));
      secret = decodeURIComponent(decoded.slice(colon + 1));
    }
    if (id !== this.#core.applicationId || secret !== this.#core.clientSecret) {
      throw new OAuthFailure(401, 'invalid_client', 'Invalid client credentials');
    }
  }

  #form(ctx: RequestContext): Record<string, string> {
    if (
      !ctx.contentType.toLowerCase().startsWith('application/x-www-form-urlencoded') ||
      !isRecord(ctx.body)
    ) {
      throw new OAuthFailure(
        400,
        'invalid_request',
        'Content-Type must be application/x-www-form-urlencoded',
      );
    }
    return ctx.body as Record<string, string>;
  }

  #tokenReply(rec: AccessTokenRec): Reply {
    return json({
      access_token: rec.accessToken,
      token_type: 'Bearer',
      expires_in: Math.max(0, Math.round((rec.expiresAt - Date.now()) / 1000)),
      refresh_token: rec.refreshToken,
      scope: rec.scopes.join(' '),
    });
  }

  token(ctx: RequestContext): Reply {
    return guard(() => {
      const form = this.#form(ctx);
      this.#clientAuth(ctx, form);
      if (form.grant_type === 'authorization_code') {
        const rec = form.code ? this.#codes.get(form.code) : undefined;
        if (!rec || rec.used || Date.now() >= rec.expiresAt) {
          throw new OAuthFailure(400, 'invalid_grant', 'Invalid "code" in request.');
        }
        if (form.redirect_uri !== rec.redirectUri) {
          throw new OAuthFailure(400, 'invalid_grant', 'Invalid "redirect_uri" in request.');
        }
        if (rec.challenge) {
          const verifier = form.code_verifier ?? '';
          const computed =
            rec.challengeMethod === 'S256'
              ? createHash('sha256').update(verifier).digest('base64url')
              : verifier;
          if (!verifier || computed !== rec.challenge) {
            throw new OAuthFailure(400, 'invalid_grant', 'Invalid "code_verifier" in request.');
          }
        }
        rec.used = true;
        return this.#tokenReply(this.issue(rec.userId, rec.scopes));
      }
      if (form.grant_type === 'refresh_token') {
        const old = form.refresh_token ? this.#refresh.get(form.refresh_token) : undefined;
        if (!old || old.revoked)
          throw new OAuthFailure(400, 'invalid_grant', 'Invalid "refresh_token" in request.');
        // Refresh tokens rotate: the old pair stops working.
        old.revoked = true;
        this.#refresh.delete(old.refreshToken);
        return this.#tokenReply(this.issue(old.userId, old.scopes));
      }
      throw new OAuthFailure(
        400,
        'unsupported_grant_type',
        `Unsupported grant type: ${form.grant_type ?? ''}`,
      );
    });
  }

  revoke(ctx: RequestContext): Reply {
    return guard(() => {
      const form = this.#form(ctx);
      this.#clientAuth(ctx, form);
      const token = form.token ?? '';
      const rec = this.#access.get(token) ?? this.#refresh.get(token);
      if (rec) {
        rec.revoked = true;
        this.#refresh.delete(rec.refreshToken);
      }
      return json({});
    });
  }
}

function guard(run: () => Reply): Reply {
  try {
    return run();
  } catch (error) {
    if (error instanceof OAuthFailure) {
      return json({ error: error.error, error_description: error.description }, error.status);
    }
    throw error;
  }
}

function cookie(headers: IncomingHttpHeaders, name: string): string | null {
  for (const part of (headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

export const oauthRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/oauth2/token',
    auth: 'none',
    handler: (ctx) => ctx.core.oauth.token(ctx),
  },
  {
    method: 'POST',
    pattern: '/oauth2/token/revoke',
    auth: 'none',
    handler: (ctx) => ctx.core.oauth.revoke(ctx),
  },
];
