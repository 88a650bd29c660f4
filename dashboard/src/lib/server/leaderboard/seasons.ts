/**
 * The leaderboard page's season actions: reset (start a new season) and restore (undo the newest
 * reset). Both need the confirmation step's field and the season number the admin saw, so a forged
 * or repeated post (double click, a stale tab) changes nothing. The guild guard has re-checked
 * Manage Server with Discord for this write; the change and its audit entry are one transaction.
 */
import { listSeasons, restoreSeason, SeasonError, startSeason } from '$db/queries/seasons';
import { getGuildSettings } from '$db/queries/settings';
import type { Db } from '$db/client';
import type { MessageKey } from '$lib/i18n';
import { log } from '$lib/server/log';

export type SeasonResult =
  { ok: true; done: MessageKey; season: number } | { ok: false; error: MessageKey };

export async function changeSeason(
  db: Db,
  input: { guildId: string; actorId: string; form: FormData; action: 'reset' | 'restore' },
): Promise<SeasonResult> {
  const { guildId, actorId, action } = input;
  if (input.form.get('confirm') !== action) return { ok: false, error: 'season.error.confirm' };
  const seen = Number(input.form.get('season'));
  const seasons = await listSeasons(db, guildId);
  if (!Number.isInteger(seen) || seen !== seasons.length) {
    return { ok: false, error: 'season.error.stale' };
  }
  const started = Date.now();
  try {
    if (action === 'reset') {
      const { resetXp } = { resetXp: (await getGuildSettings(db, guildId)).seasonResetsXp };
      const { number, inviters } = await startSeason(db, {
        guildId,
        actorId,
        resetXp,
        now: new Date(),
      });
      log.info(
        { guildId, userId: actorId, season: number, resetXp, inviters, ms: Date.now() - started },
        'season reset by admin',
      );
      return { ok: true, done: 'season.done.reset', season: number };
    }
    const { number, inviters } = await restoreSeason(db, { guildId, actorId, now: new Date() });
    log.info(
      { guildId, userId: actorId, season: number, inviters, ms: Date.now() - started },
      'season restored by admin',
    );
    return { ok: true, done: 'season.done.restore', season: number };
  } catch (err) {
    if (err instanceof SeasonError) return { ok: false, error: 'season.error.stale' };
    throw err;
  }
}
