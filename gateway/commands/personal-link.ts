/**
 * `/invites link`: the member's own invite for the server. A link the member already has is reused
 * while it is valid and not used up; otherwise the bot creates one in the channel the admin chose,
 * with the admin's max-age/max-uses, and records the member as its owner (joins through it credit
 * the member). One request per member at a time, so two quick clicks make one link.
 */
import type { API } from '@discordjs/core';
import { DiscordAPIError } from '@discordjs/rest';
import type { Db } from '../../db/client';
import {
  personalLinksOf,
  recordPersonalLink,
  type PersonalLink,
} from '../../db/queries/personal-links';
import { getGuildSettings } from '../../db/queries/settings';
import type { Logger } from '../../db/shared/log';
import type { InviteRecord } from '../attribution/types';

/** A link created this recently may not be in the snapshot yet (INVITE_CREATE on its way). */
const FRESH_MS = 60_000;

export type LinkResult =
  | { kind: 'link'; code: string; reused: boolean; maxUses: number; expiresAt: number | null }
  | { kind: 'noChannel' }
  | { kind: 'noPermission'; channelId: string }
  | { kind: 'channelGone' };

/**
 * The first of the member's links (newest first) still usable: live in the snapshot, not expired,
 * not used up; or created moments ago and not in the snapshot yet. Pure.
 */
export function reusableLink(
  links: readonly PersonalLink[],
  invites: readonly InviteRecord[],
  now: number,
): { link: PersonalLink; uses: number; expiresAt: number | null } | null {
  const byCode = new Map(invites.map((i) => [i.code, i]));
  for (const link of links) {
    const invite = byCode.get(link.code);
    if (invite) {
      const live =
        invite.deletedAt === null &&
        (invite.expiresAt === null || invite.expiresAt > now) &&
        (invite.maxUses === 0 || invite.uses < invite.maxUses);
      if (live) return { link, uses: invite.uses, expiresAt: invite.expiresAt };
    } else if (now - link.createdAt.getTime() < FRESH_MS) {
      const expiresAt = link.maxAge > 0 ? link.createdAt.getTime() + link.maxAge * 1000 : null;
      return { link, uses: 0, expiresAt };
    }
  }
  return null;
}

export class PersonalLinks {
  private readonly inFlight = new Map<string, Promise<LinkResult>>();

  constructor(private readonly deps: { api: API; db: Db; log: Logger }) {}

  get(guildId: string, userId: string, invites: readonly InviteRecord[], now: number) {
    const key = `${guildId}|${userId}`;
    let running = this.inFlight.get(key);
    if (!running) {
      running = this.getOrCreate(guildId, userId, invites, now).finally(() =>
        this.inFlight.delete(key),
      );
      this.inFlight.set(key, running);
    }
    return running;
  }

  private async getOrCreate(
    guildId: string,
    userId: string,
    invites: readonly InviteRecord[],
    now: number,
  ): Promise<LinkResult> {
    const { api, db, log } = this.deps;
    const existing = reusableLink(await personalLinksOf(db, guildId, userId), invites, now);
    if (existing) {
      return {
        kind: 'link',
        code: existing.link.code,
        reused: true,
        maxUses: existing.link.maxUses,
        expiresAt: existing.expiresAt,
      };
    }
    const settings = await getGuildSettings(db, guildId);
    const channelId = settings.personalLinkChannelId;
    if (!channelId) return { kind: 'noChannel' };
    try {
      const invite = await api.channels.createInvite(
        channelId,
        {
          max_age: settings.personalLinkMaxAge,
          max_uses: settings.personalLinkMaxUses,
          unique: true,
        },
        { reason: `Invite Tracker: personal link of ${userId}` },
      );
      await recordPersonalLink(db, {
        guildId,
        code: invite.code,
        ownerId: userId,
        channelId,
        maxAge: settings.personalLinkMaxAge,
        maxUses: settings.personalLinkMaxUses,
      });
      log.info({ guildId, userId, code: invite.code, channelId }, 'personal invite link created');
      return {
        kind: 'link',
        code: invite.code,
        reused: false,
        maxUses: settings.personalLinkMaxUses,
        expiresAt: invite.expires_at ? Date.parse(invite.expires_at) : null,
      };
    } catch (error) {
      if (error instanceof DiscordAPIError && (error.status === 403 || error.status === 404)) {
        log.warn(
          { guildId, userId, channelId, code: error.code, reason: error.message },
          'personal invite link refused by Discord',
        );
        return error.status === 404 ? { kind: 'channelGone' } : { kind: 'noPermission', channelId };
      }
      throw error;
    }
  }
}
