/** The REST reads attribution needs: the invite list, the vanity counter, invite deletions in the audit log, members. */
import type { API } from '@discordjs/core';
import { DiscordAPIError } from '@discordjs/rest';
import type { FetchedInvites } from '../attribution/types';
import { inviteExpiry, type DiscordUser } from './payloads';
import { withRetries } from './retry';

/** Discord error codes meaning "the bot may not read this" (Missing Access, Missing Permissions). */
const FORBIDDEN_CODES = new Set([50001, 50013]);
/** Reads that attribution waits for: a few quick tries before the caller's own fallback. */
const READ_RETRIES = { attempts: 4, baseMs: 250, capMs: 2000 };
/** Audit-log action type of an invite deletion. */
const INVITE_DELETE_ACTION = 42;

export function isForbidden(error: unknown): boolean {
  return (
    error instanceof DiscordAPIError &&
    (FORBIDDEN_CODES.has(Number(error.code)) || error.status === 403)
  );
}

/**
 * The guild's invites and (for VANITY_URL guilds) the vanity counter, as one snapshot. A 5xx gets a
 * few quick tries here; past them the attribution engine's own, slower schedule takes over.
 */
export async function fetchInvites(
  api: API,
  guildId: string,
  hasVanity: boolean,
  onInviter: (user: DiscordUser) => void = () => {},
): Promise<FetchedInvites> {
  const [list, vanity] = await Promise.all([
    withRetries(() => api.guilds.getInvites(guildId), READ_RETRIES),
    hasVanity
      ? withRetries(() => api.guilds.getVanityURL(guildId), READ_RETRIES).catch(
          (error: unknown) => {
            // 50020: the guild lost the feature; no vanity to compare.
            if (error instanceof DiscordAPIError && error.code === 50020) return null;
            throw error;
          },
        )
      : Promise.resolve(null),
  ]);
  for (const invite of list) if (invite.inviter) onInviter(invite.inviter);
  return {
    invites: list.map((invite) => ({
      code: invite.code,
      uses: invite.uses,
      maxUses: invite.max_uses,
      expiresAt: inviteExpiry(invite),
      inviterId: invite.inviter?.id ?? null,
      channelId: invite.channel?.id ?? null,
      temporary: invite.temporary,
    })),
    vanity: vanity ? { code: vanity.code, uses: vanity.uses } : null,
  };
}

/** Of `codes`, those an audit-log entry says someone deleted (the rest vanished by being used up). */
export async function fetchRevokedCodes(
  api: API,
  guildId: string,
  codes: readonly string[],
): Promise<Set<string>> {
  const log = await withRetries(
    () => api.guilds.getAuditLogs(guildId, { action_type: INVITE_DELETE_ACTION, limit: 100 }),
    READ_RETRIES,
  );
  const wanted = new Set(codes);
  const revoked = new Set<string>();
  for (const entry of log.audit_log_entries) {
    for (const change of entry.changes ?? []) {
      if (
        change.key === 'code' &&
        typeof change.old_value === 'string' &&
        wanted.has(change.old_value)
      ) {
        revoked.add(change.old_value);
      }
    }
  }
  return revoked;
}

export type ListedMember = { id: string; joinedAt: string; bot: boolean };

/**
 * Members who joined at or after `since`, reading at most `limit` members (the list is ordered by
 * user id, not join time, so it has to be read whole). Returns null when the guild is too large.
 */
export async function listMembersJoinedSince(
  api: API,
  guildId: string,
  since: number,
  limit: number,
): Promise<ListedMember[] | null> {
  const found: ListedMember[] = [];
  let after: string | undefined;
  for (let read = 0; read < limit;) {
    const page = await withRetries(
      () => api.guilds.getMembers(guildId, { limit: 1000, ...(after ? { after } : {}) }),
      READ_RETRIES,
    );
    read += page.length;
    for (const member of page) {
      if (member.user && Date.parse(member.joined_at ?? '') >= since) {
        found.push({
          id: member.user.id,
          joinedAt: member.joined_at!,
          bot: member.user.bot === true,
        });
      }
    }
    if (page.length < 1000) return found;
    after = page.at(-1)?.user?.id;
  }
  return null;
}
