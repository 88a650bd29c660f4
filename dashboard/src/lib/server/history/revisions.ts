/** A join's correction trail as the join page shows it: when, why, from what to what, XP moved. */
import { revisionsOf } from '$db/queries/revisions';
import { correctionText, OUTCOME_LABELS } from '$db/shared/texts';
import type { Db } from '$db/client';
import type { Locale, RevisedDecision } from '$db/schema';

function label(locale: Locale, d: RevisedDecision): string {
  const outcome = OUTCOME_LABELS[locale][d.outcome];
  return d.code ? `${outcome} (${d.code})` : outcome;
}

export async function revisionTrail(db: Db, joinId: number, locale: Locale) {
  return (await revisionsOf(db, joinId)).map((r) => ({
    id: r.id,
    at: r.revisedAt.toISOString(),
    why: correctionText(locale, r.cause),
    from: label(locale, r.previous),
    to: label(locale, r.next),
    xpChange: r.xpChange,
  }));
}
