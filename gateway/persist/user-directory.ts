/**
 * Collects the user objects the gateway sees (joining members, inviters) and stores their names in
 * batches, so the dashboard and commands can show names. Off the join's critical path: a name
 * written a second late costs nothing, a write per join during a raid would.
 */
import type { Db } from '../../db/client';
import type { Logger } from '../../db/shared/log';
import { upsertUsers, type UserProfile } from '../../db/queries/users';
import type { DiscordUser } from '../discord/payloads';

const RECENT_LIMIT = 20_000;

export class UserDirectory {
  private readonly waiting = new Map<string, UserProfile>();
  /** Fingerprints of profiles recently written, to skip unchanged ones. */
  private readonly written = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  remember(user: DiscordUser | null | undefined): void {
    if (!user) return;
    const profile: UserProfile = {
      id: user.id,
      username: user.username,
      globalName: user.global_name ?? null,
      avatar: user.avatar ?? null,
      bot: user.bot === true,
    };
    const fingerprint = `${profile.username}|${profile.globalName}|${profile.avatar}|${profile.bot}`;
    if (this.written.get(user.id) === fingerprint) return;
    this.waiting.set(user.id, profile);
  }

  async flush(): Promise<void> {
    if (this.waiting.size === 0) return;
    const batch = [...this.waiting.values()];
    this.waiting.clear();
    try {
      await upsertUsers(this.db, batch);
      for (const p of batch) {
        this.written.set(p.id, `${p.username}|${p.globalName}|${p.avatar}|${p.bot}`);
      }
      while (this.written.size > RECENT_LIMIT) {
        this.written.delete(this.written.keys().next().value!);
      }
    } catch (error) {
      // Names are cosmetic: keep them for the next flush.
      for (const p of batch) if (!this.waiting.has(p.id)) this.waiting.set(p.id, p);
      this.log.warn({ err: error, users: batch.length }, 'could not store user names; will retry');
    }
  }
}
