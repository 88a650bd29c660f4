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
 * - A max-uses invite we learned of from INVITE_CREATE after the baseline, and that a fetch sent after
 *   we had that event no longer lists, vanished the same way: created and used up between two fetches
 *   (a one-use invite), or revoked. Sent before we had the event, the fetch may simply predate it.
 */
import type { InviteTable } from './invite-table';
import type { FetchedInvites, VanityState } from './types';

/** Internal key for the vanity URL in unit maps: '#' is never in an invite code (and JSON-safe). */
export const VANITY_KEY = '#vanity';

export type VanishedInvite = { units: number; confirmable: boolean };

export type SnapshotDiff = {
  certain: Map<string, number>;
  vanished: Map<string, VanishedInvite>;
  /**
   * Every code known before (baseline or INVITE_CREATE) that the fetch no longer lists, whatever
   * took it (used up, revoked, expired), and the vanity URL when its counter cannot be compared:
   * uses they had since the last look are invisible. Absent for fetches restored from before this
   * was kept.
   */
  gone?: Set<string>;
};

/** An invite known from INVITE_CREATE, with when that event reached us. */
export type CreatedInvite = {
  inviterId: string | null;
  uses: number;
  maxUses: number;
  expiresAt: number | null;
  receivedAt: number;
};

/**
 * `counted`: per code, the most uses since the baseline an earlier fetch (of the same baseline)
 * showed. A vanished invite's uses seen before it vanished stay certain; only the rest up to its
 * limit is in doubt.
 */
export function diffSnapshots(
  baseline: InviteTable,
  baselineVanity: VanityState | null,
  fresh: FetchedInvites,
  now: number,
  expirySkewMs: number,
  created: { invites: ReadonlyMap<string, CreatedInvite>; fetchSentAt: number } | null = null,
  counted: ReadonlyMap<string, number> = new Map(),
): SnapshotDiff {
  const certain = new Map<string, number>();
  const vanished = new Map<string, VanishedInvite>();
  const listed = new Set<string>();
  const goneCodes = new Set<string>();
  for (const invite of fresh.invites) {
    listed.add(invite.code);
    const before = baseline.get(invite.code)?.uses ?? 0;
    if (before < invite.uses) certain.set(invite.code, invite.uses - before);
  }
  const gone = (
    code: string,
    before: number,
    invite: { maxUses: number; expiresAt: number | null },
  ) => {
    goneCodes.add(code);
    const last = before + (counted.get(code) ?? 0);
    if (last > before) certain.set(code, last - before);
    if (invite.maxUses === 0 || last >= invite.maxUses) return;
    const mayHaveExpired = invite.expiresAt !== null && invite.expiresAt <= now + expirySkewMs;
    vanished.set(code, { units: invite.maxUses - last, confirmable: !mayHaveExpired });
  };
  for (const old of baseline) if (!listed.has(old.code)) gone(old.code, old.uses, old);
  for (const [code, invite] of created?.invites ?? []) {
    if (listed.has(code) || baseline.has(code) || invite.receivedAt > created!.fetchSentAt)
      continue;
    gone(code, invite.uses, invite);
  }
  // A vanity counter the baseline has no comparable reading of hides its uses like a gone invite.
  if (fresh.vanity && (!baselineVanity || baselineVanity.code !== fresh.vanity.code))
    goneCodes.add(VANITY_KEY);
  if (!fresh.vanity && baselineVanity) goneCodes.add(VANITY_KEY);
  if (fresh.vanity && baselineVanity) {
    if (fresh.vanity.code === baselineVanity.code) {
      const gained = fresh.vanity.uses - baselineVanity.uses;
      if (gained > 0) certain.set(VANITY_KEY, gained);
    } else if (fresh.vanity.uses > 0) {
      // The vanity code was changed: its counter cannot be compared, so its uses may or may not be new.
      vanished.set(VANITY_KEY, { units: fresh.vanity.uses, confirmable: false });
    }
  }
  return { certain, vanished, gone: goneCodes };
}

export function sumUnits(units: Map<string, number>): number {
  let total = 0;
  for (const n of units.values()) total += n;
  return total;
}
