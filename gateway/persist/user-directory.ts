/**
 * The user directory's gateway side. It collects the user objects the gateway sees (joining members,
 * inviters in invite lists and INVITE_CREATE, users of slash commands) and stores their names in
 * batches, so the dashboard and commands can show names and avatars. Off the join's critical path:
 * a name written a second late costs nothing, a write per join during a raid would.
 *
 * Inviters nobody has seen (invites made before the bot arrived, by someone who has not touched
 * anything since) are looked up lazily, a few at a time, through the shared REST client.
 */
import type { API } from '@discordjs/core';
import { DiscordAPIError, RateLimitError } from '@discordjs/rest';
import type { Db } from '../../db/client';
import type { Logger } from '../../db/shared/log';
import { unnamedInviterIds, upsertUsers, type UserProfile } from '../../db/queries/users';
import type { DiscordUser } from '../discord/payloads';

const RECENT_LIMIT = 20_000;

/** Lazy lookups of unnamed inviters: at most `batch` users every `everyMs`. */
export const USER_REFRESH = { everyMs: 30_000, batch: 10 } as const;

export function profileOf(user: DiscordUser): UserProfile {
  return {
    id: user.id,
    username: user.username,
    globalName: user.global_name ?? null,
    avatar: user.avatar ?? null,
    bot: user.bot === true,
  };
}

/**
 * A 32-bit hash (FNV-1a) of what is stored about a user: the recently-written map keeps up to 20,000
 * of them, and a number costs nothing next to the string (about 70 bytes per user). A collision only
 * skips one name update until the next change.
 */
export function fingerprintOf(p: UserProfile): number {
  const text = `${p.username}|${p.globalName}|${p.avatar}|${p.bot}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0; // a small integer: no heap object
}

export class UserDirectory {
  private readonly waiting = new Map<string, UserProfile>();
  /** Fingerprints of profiles recently written, to skip unchanged ones. */
  private readonly written = new Map<string, number>();
  /** Ids Discord could not name (deleted accounts): not asked again while the process runs. */
  private readonly unknown = new Set<string>();
  private refreshing = false;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  remember(user: DiscordUser | null | undefined): void {
    if (!user) return;
    const profile = profileOf(user);
    if (this.written.get(user.id) === fingerprintOf(profile)) return;
    this.waiting.set(user.id, profile);
  }

  async flush(): Promise<void> {
    if (this.waiting.size === 0) return;
    const batch = [...this.waiting.values()];
    this.waiting.clear();
    try {
      await upsertUsers(this.db, batch);
      for (const p of batch) this.written.set(p.id, fingerprintOf(p));
      while (this.written.size > RECENT_LIMIT) {
        this.written.delete(this.written.keys().next().value!);
      }
    } catch (error) {
      // Names are cosmetic: keep them for the next flush.
      for (const p of batch) if (!this.waiting.has(p.id)) this.waiting.set(p.id, p);
      this.log.warn({ err: error, users: batch.length }, 'could not store user names; will retry');
    }
  }

  /**
   * Looks up to `limit` inviters without a directory entry with `GET /users/{id}`, one after the
   * other. A rate limit or a failing Discord ends the round (the next round tries again); an id
   * Discord does not know is not asked again.
   */
  async refreshUnnamed(api: Pick<API, 'users'>, limit: number): Promise<number> {
    if (this.refreshing) return 0;
    this.refreshing = true;
    let named = 0;
    try {
      const ids = await unnamedInviterIds(this.db, limit, [...this.unknown]);
      for (const id of ids) {
        try {
          this.remember(await api.users.get(id));
          named++;
        } catch (error) {
          if (error instanceof DiscordAPIError && (error.status === 404 || error.code === 10013)) {
            this.unknown.add(id);
            continue;
          }
          if (!(error instanceof RateLimitError)) {
            this.log.warn({ err: error, userId: id }, 'could not look up a user; will retry');
          }
          break;
        }
      }
      await this.flush();
    } catch (error) {
      this.log.warn({ err: error }, 'could not list unnamed inviters; will retry');
    } finally {
      this.refreshing = false;
    }
    return named;
  }
}
