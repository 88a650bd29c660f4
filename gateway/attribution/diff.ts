/**
 * What changed between the baseline snapshot and a fresh fetch, as invite "units" (one unit = one use).
 *
 * - A listed code whose `uses` went up: certain units (`(baseline ?? 0) < fresh`, never truthiness).
 *   A code missing from the baseline was created after it was taken (the baseline is a complete
 *   fetch), so all its uses are new.
 * - A max-uses invite that vanished before reaching its limit was either used up or revoked; its
 *   remaining uses are "vanished" units that only an audit-log check can confirm. Near its expiry
 *   time it may simply have expired, so it can never be confirmed.
 * - Other vanished invites (no max uses, or expired) carry no units: expiry sends no event and a
 *   revoke uses nothing.
 */
import type { InviteTable } from './invite-table';
import type { FetchedInvites, VanityState } from './types';

/** Internal key for the vanity URL in unit maps; cannot collide with a real code. */
export const VANITY_KEY = '\u0000vanity';

export type VanishedInvite = { units: number; confirmable: boolean };

export type SnapshotDiff = {
  certain: Map<string, number>;
  vanished: Map<string, VanishedInvite>;
};

export function diffSnapshots(
  baseline: InviteTable,
  baselineVanity: VanityState | null,
  fresh: FetchedInvites,
  now: number,
  expirySkewMs: number,
): SnapshotDiff {
  const certain = new Map<string, number>();
  const vanished = new Map<string, VanishedInvite>();
  const listed = new Set<string>();
  for (const invite of fresh.invites) {
    listed.add(invite.code);
    const before = baseline.get(invite.code)?.uses ?? 0;
    if (before < invite.uses) certain.set(invite.code, invite.uses - before);
  }
  for (const old of baseline) {
    if (listed.has(old.code) || old.maxUses === 0 || old.uses >= old.maxUses) continue;
    const mayHaveExpired = old.expiresAt !== null && old.expiresAt <= now + expirySkewMs;
    vanished.set(old.code, { units: old.maxUses - old.uses, confirmable: !mayHaveExpired });
  }
  if (fresh.vanity && baselineVanity) {
    if (fresh.vanity.code === baselineVanity.code) {
      const gained = fresh.vanity.uses - baselineVanity.uses;
      if (gained > 0) certain.set(VANITY_KEY, gained);
    } else if (fresh.vanity.uses > 0) {
      // The vanity code was changed: its counter cannot be compared, so its uses may or may not be new.
      vanished.set(VANITY_KEY, { units: fresh.vanity.uses, confirmable: false });
    }
  }
  return { certain, vanished };
}

export function sumUnits(units: Map<string, number>): number {
  let total = 0;
  for (const n of units.values()) total += n;
  return total;
}
