/** HTTP plumbing shared by REST, OAuth and the control API: replies, errors, routing, bodies. */
import type { IncomingHttpHeaders } from 'node:http';
import type { Core } from './core';
import type { AccessTokenRec } from './oauth';
import type { AuthKind } from './types';

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

export function json(body: unknown, status = 200): Reply {
  return { status, body };
}

export function noContent(): Reply {
  return { status: 204 };
}

/** A Discord error; thrown from handlers and turned into a JSON reply by the pipeline. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.message === 'string' ? body.message : `HTTP ${status}`);
  }
}

export function apiError(
  status: number,
  code: number,
  message: string,
  errors?: unknown,
): ApiError {
  return new ApiError(status, errors === undefined ? { message, code } : { message, code, errors });
}

export const E = {
  unauthorized: () => apiError(401, 0, '401: Unauthorized'),
  notFound: () => apiError(404, 0, '404: Not Found'),
  methodNotAllowed: () => apiError(405, 0, '405: Method Not Allowed'),
  unknownChannel: () => apiError(404, 10003, 'Unknown Channel'),
  unknownGuild: () => apiError(404, 10004, 'Unknown Guild'),
  unknownInvite: () => apiError(404, 10006, 'Unknown Invite'),
  unknownMember: () => apiError(404, 10007, 'Unknown Member'),
  unknownMessage: () => apiError(404, 10008, 'Unknown Message'),
  unknownRole: () => apiError(404, 10011, 'Unknown Role'),
  unknownUser: () => apiError(404, 10013, 'Unknown User'),
  unknownWebhook: () => apiError(404, 10015, 'Unknown Webhook'),
  unknownInteraction: () => apiError(404, 10062, 'Unknown interaction'),
  unknownCommand: () => apiError(404, 10063, 'Unknown application command'),
  alreadyAcknowledged: () => apiError(400, 40060, 'Interaction has already been acknowledged.'),
  missingAccess: () => apiError(403, 50001, 'Missing Access'),
  emptyMessage: () => apiError(400, 50006, 'Cannot send an empty message'),
  cannotDm: () => apiError(403, 50007, 'Cannot send messages to this user'),
  cannotEditOthers: () => apiError(403, 50005, 'Cannot edit a message authored by another user'),
  missingPermissions: () => apiError(403, 50013, 'Missing Permissions'),
  invalidVanity: () => apiError(400, 50020, 'Invite code is either invalid or taken.'),
  invalidWebhookToken: () => apiError(401, 50027, 'Invalid Webhook Token'),
  invalidJson: () => apiError(400, 50109, 'The request body contains invalid JSON.'),
  /** 50035 with Discord's nested error shape: {field: {_errors: [{code, message}]}}. */
  invalidForm: (field: string, code: string, message: string) =>
    apiError(400, 50035, 'Invalid Form Body', nestErrors(field, code, message)),
};

function nestErrors(field: string, code: string, message: string): Record<string, unknown> {
  const parts = field === '' ? [] : field.split('.');
  let node: Record<string, unknown> = { _errors: [{ code, message }] };
  for (let i = parts.length - 1; i >= 0; i--) node = { [parts[i] ?? field]: node };
  return node;
}

export type AuthInfo = { kind: AuthKind; bearer: AccessTokenRec | null };

export type RequestContext = {
  core: Core;
  method: string;
  /** Path below /api/v10, e.g. /guilds/123/invites. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  contentType: string;
  headers: IncomingHttpHeaders;
  auth: AuthInfo;
  /** Set by interaction/webhook handlers so the recorded request names its interaction. */
  interactionId: string | null;
};

export type RouteAuth = 'bot' | 'bearer' | 'bot-or-bearer' | 'none';

export type Route = {
  method: string;
  /** Segments with :name placeholders, e.g. /guilds/:guild/invites. */
  pattern: string;
  auth: RouteAuth;
  handler: (ctx: RequestContext) => Reply | Promise<Reply>;
};

/** Match a concrete path against a pattern; returns the placeholder values or null. */
export function matchPattern(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    if (w.startsWith(':')) {
      if (g === '') return null;
      params[w.slice(1)] = g;
    } else if (w !== g) {
      return null;
    }
  }
  return params;
}

/**
 * The bucket key @discordjs/rest derives (REST.generateRouteData): ids of 17–19 digits become :id,
 * webhook tokens :token, interaction callbacks one fixed route. Prefixed with the method.
 */
export function routeKeyFor(method: string, path: string): string {
  if (path.startsWith('/interactions/') && path.endsWith('/callback')) {
    return `${method} /interactions/:id/:token/callback`;
  }
  const base = path
    .replaceAll(/\d{17,19}/g, ':id')
    .replace(/\/reactions\/(.*)/, '/reactions/:reaction')
    .replace(/\/webhooks\/:id\/[^/?]+/, '/webhooks/:id/:token');
  return `${method} ${base}`;
}

/** The major parameter @discordjs/rest uses: channel/guild/webhook id (webhook id + token). */
export function majorParameterFor(path: string): string {
  if (path.startsWith('/interactions/') && path.endsWith('/callback')) return 'burst';
  const match =
    /(?:^\/webhooks\/(\d{17,19}\/[^/?]+))|(?:^\/(?:channels|guilds|webhooks)\/(\d{17,19}))/.exec(
      path,
    );
  return match?.[2] ?? match?.[1] ?? 'global';
}

/** Tokens must not end up in recordings: /interactions/{id}/{token}, /webhooks/{app}/{token}. */
export function redactPath(path: string): string {
  return path
    .replace(/^(\/interactions\/[^/]+\/)[^/]+/, '$1:token')
    .replace(/^(\/webhooks\/[^/]+\/)[^/]+/, '$1:token');
}

const SECRET_FIELDS = new Set([
  'client_secret',
  'code',
  'code_verifier',
  'refresh_token',
  'access_token',
  'token',
  'password',
]);

export function redactBody(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    out[key] = SECRET_FIELDS.has(key) ? '[redacted]' : value;
  }
  return out;
}

/**
 * Parse a request body the way Discord accepts it: JSON, form-encoded (OAuth) or multipart with
 * payload_json (messages with files; the files themselves are only counted).
 */
export async function parseBody(raw: Buffer, contentType: string): Promise<unknown> {
  if (raw.length === 0) return undefined;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json') {
    try {
      return JSON.parse(raw.toString('utf8')) as unknown;
    } catch {
      throw E.invalidJson();
    }
  }
  if (type === 'application/x-www-form-urlencoded') {
    return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  }
  if (type === 'multipart/form-data') {
    const form = await new Request('http://sim.invalid/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: raw,
    }).formData();
    const payload = form.get('payload_json');
    let body: Record<string, unknown> = {};
    if (typeof payload === 'string') {
      try {
        body = JSON.parse(payload) as Record<string, unknown>;
      } catch {
        throw E.invalidJson();
      }
    }
    let files = 0;
    for (const [key, value] of form.entries()) {
      if (key === 'payload_json') continue;
      if (typeof value === 'string') body[key] = value;
      else files++;
    }
    return files > 0 ? { ...body, _files: files } : body;
  }
  return raw.toString('utf8');
}

/** JSON with bigints as decimal strings (permissions in the control API). */
export function stringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
