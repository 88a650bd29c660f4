/**
 * Decisions for one block: the joins between two cuts (see solve.ts) and the invite uses counted
 * between them. Every use belongs to exactly one join, so:
 *
 * - as many uses as joins: every join used a counted invite (pigeonhole). One code → **exact** (or
 *   **vanity**); several → **ambiguous** with the candidate codes (the inviter is still known when
 *   all of them share one).
 * - fewer uses than joins: some joins used no counted invite (Discovery, an app, a join request, or
 *   a used-up invite not confirmed): no join can be named; ambiguous with the candidates, or unknown.
 * - more uses than joins: uses without a join we saw (lost events): ambiguous without inviter.
 */
import { sumUnits, VANITY_KEY, type SnapshotDiff } from './diff';
import type { Candidate, Decision, PendingJoin, ReasonKey } from './types';

export type VanishedVerdict = 'consumed' | 'revoked';

export type CodeLookup = {
  inviterOf: (code: string) => string | null;
  vanityCode: string | null;
};

/** Units that are certain at a fetch: counter increases plus vanished invites confirmed used up. */
export function certainUnits(
  diff: SnapshotDiff,
  verdicts: ReadonlyMap<string, VanishedVerdict>,
): Map<string, number> {
  const units = new Map(diff.certain);
  for (const [code, vanished] of diff.vanished) {
    if (vanished.confirmable && verdicts.get(code) === 'consumed') {
      units.set(code, (units.get(code) ?? 0) + vanished.units);
    }
  }
  return units;
}

/** Vanished invites of a diff that neither a verdict nor their expiry settles (an audit can). */
export function unresolvedVanished(
  diff: SnapshotDiff,
  verdicts: ReadonlyMap<string, VanishedVerdict>,
): string[] {
  return [...diff.vanished]
    .filter(([code, v]) => v.confirmable && !verdicts.has(code))
    .map(([code]) => code);
}

export function subtractUnits(
  a: ReadonlyMap<string, number>,
  b: ReadonlyMap<string, number>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [code, n] of a) {
    const rest = n - (b.get(code) ?? 0);
    if (rest > 0) out.set(code, rest);
  }
  return out;
}

export function candidateOf(code: string, lookup: CodeLookup): Candidate {
  if (code === VANITY_KEY)
    return { code: lookup.vanityCode ?? 'vanity', inviterId: null, vanity: true };
  return { code, inviterId: lookup.inviterOf(code) };
}

export function decision(
  join: PendingJoin,
  outcome: Decision['outcome'],
  reason: ReasonKey,
  fields: Partial<Pick<Decision, 'code' | 'inviterId' | 'candidates'>> = {},
): Decision {
  return {
    key: join.key,
    memberId: join.memberId,
    joinedAt: join.joinedAt,
    outcome,
    reason,
    code: fields.code ?? null,
    inviterId: fields.inviterId ?? null,
    candidates: fields.candidates ?? null,
  };
}

export type Block = {
  joins: readonly PendingJoin[];
  /** Certain uses counted between the block's two cuts, by code. */
  units: ReadonlyMap<string, number>;
  /** Max-uses invites first missed in this block: code → may still be confirmed used up. */
  vanished: ReadonlyMap<string, { open: boolean; consumed: boolean }>;
  /** Closed without a proof (an endless burst). */
  forced: boolean;
};

export function decideBlock(block: Block, lookup: CodeLookup): Decision[] {
  const { joins, units } = block;
  const total = sumUnits(new Map(units));
  if (!block.forced && total === joins.length) return decidePaired(block, lookup);
  const reason: ReasonKey | undefined = block.forced
    ? 'burst_unsettled'
    : total > joins.length
      ? 'more_uses_than_joins'
      : undefined;
  return decideUnsure(block, lookup, reason);
}

/** As many uses as joins: each join used one of them. */
function decidePaired(block: Block, lookup: CodeLookup): Decision[] {
  const codes = [...block.units.keys()].sort();
  if (codes.length === 1) {
    const only = candidateOf(codes[0]!, lookup);
    if (only.vanity)
      return block.joins.map((j) => decision(j, 'vanity', 'vanity_url', { code: only.code }));
    const reason = block.vanished.get(only.code)?.consumed ? 'max_uses_consumed' : 'single_code';
    return block.joins.map((j) =>
      decision(j, 'exact', reason, { code: only.code, inviterId: only.inviterId }),
    );
  }
  const candidates = codes.map((code) => candidateOf(code, lookup));
  const inviters = new Set(candidates.map((c) => (c.vanity ? null : c.inviterId)));
  const shared = inviters.size === 1 ? [...inviters][0]! : null;
  return block.joins.map((j) =>
    decision(j, 'ambiguous', 'several_codes', { candidates, inviterId: shared }),
  );
}

/** Every join gets the block's candidate codes, but no code or inviter: we cannot pair them. */
function decideUnsure(block: Block, lookup: CodeLookup, reasonOverride?: ReasonKey): Decision[] {
  const codes = new Set(block.units.keys());
  let vanishedOpen = false;
  for (const [code, v] of block.vanished) {
    if (!v.open && !v.consumed) continue; // revoked: used nothing
    codes.add(code);
    if (v.open) vanishedOpen = true;
  }
  if (codes.size === 0) {
    return block.joins.map((j) => decision(j, 'unknown', reasonOverride ?? 'no_use_changed'));
  }
  const candidates = [...codes].sort().map((code) => candidateOf(code, lookup));
  const reason =
    reasonOverride ?? (vanishedOpen ? 'vanished_unconfirmed' : 'fewer_uses_than_joins');
  return block.joins.map((j) => decision(j, 'ambiguous', reason, { candidates }));
}
