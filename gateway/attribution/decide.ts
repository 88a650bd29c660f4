/**
 * Turns a settled batch of joins and the fetches taken while it was open into decisions.
 *
 * The reasoning (see ARCHITECTURE.md section 2): every invite use belongs to exactly one join, and a
 * join's use is counted before its GUILD_MEMBER_ADD reaches us (plus at most `maxIncrementLagMs`).
 * A batch is *settled* when its last fetch started after every join in it was received and no
 * further join arrived until the settle time had passed, so no use in the fetch can belong to a join
 * outside the batch. Then:
 *
 * - units == joins: every join used a counted invite (pigeonhole). Fetches inside the batch where
 *   units-so-far == joins-received-before-that-fetch cut the batch into blocks whose joins used
 *   exactly that block's units. A block with one code is exact; with several it is ambiguous
 *   (the inviter is still known when all its codes share one).
 * - units < joins: some joins used no counted invite (discovery, OAuth, join requests, or an
 *   unconfirmed used-up invite); no join can be named: ambiguous without inviter, or unknown.
 * - units > joins: uses without a join we saw (lost events); ambiguous without inviter.
 */
import { sumUnits, VANITY_KEY, type SnapshotDiff } from './diff';
import type { Candidate, Decision, PendingJoin, ReasonKey } from './types';

export type Checkpoint = {
  /** When the fetch was sent. */
  startedAt: number;
  /** How many of the batch's joins (in receive order) were received early enough to be in this fetch. */
  joinsBefore: number;
  /** Units since the batch's baseline, as of this fetch. */
  diff: SnapshotDiff;
};

export type VanishedVerdict = 'consumed' | 'revoked';

export type DecideInput = {
  joins: readonly PendingJoin[];
  checkpoints: readonly Checkpoint[];
  /** Audit-log verdicts for vanished max-uses invites (absent: not checked). */
  verdicts: ReadonlyMap<string, VanishedVerdict>;
  inviterOf: (code: string) => string | null;
  vanityCode: string | null;
};

/** Units that are certain at a checkpoint: counter increases plus vanished invites confirmed used up. */
function certainUnits(diff: SnapshotDiff, verdicts: ReadonlyMap<string, VanishedVerdict>) {
  const units = new Map(diff.certain);
  for (const [code, vanished] of diff.vanished) {
    if (vanished.confirmable && verdicts.get(code) === 'consumed') {
      units.set(code, (units.get(code) ?? 0) + vanished.units);
    }
  }
  return units;
}

/** Vanished units neither confirmed nor ruled out. */
export function unresolvedVanished(
  diff: SnapshotDiff,
  verdicts: ReadonlyMap<string, VanishedVerdict>,
): string[] {
  return [...diff.vanished.keys()].filter((code) => !verdicts.has(code));
}

/** The batch's joins and the uses certainly counted for them (as of its last fetch). */
export function tally(input: DecideInput): { joins: number; certain: number } {
  const last = input.checkpoints.at(-1);
  return {
    joins: input.joins.length,
    certain: last ? sumUnits(certainUnits(last.diff, input.verdicts)) : 0,
  };
}

function candidate(code: string, input: DecideInput): Candidate {
  if (code === VANITY_KEY)
    return { code: input.vanityCode ?? 'vanity', inviterId: null, vanity: true };
  return { code, inviterId: input.inviterOf(code) };
}

function decision(
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

/** Decisions for a block whose joins certainly used exactly `units`. */
function decideBlock(
  joins: readonly PendingJoin[],
  units: Map<string, number>,
  consumedCodes: ReadonlySet<string>,
  input: DecideInput,
): Decision[] {
  const codes = [...units.keys()].sort();
  if (codes.length === 1) {
    const only = candidate(codes[0]!, input);
    if (only.vanity)
      return joins.map((j) => decision(j, 'vanity', 'vanity_url', { code: only.code }));
    const reason = consumedCodes.has(only.code) ? 'max_uses_consumed' : 'single_code';
    return joins.map((j) =>
      decision(j, 'exact', reason, { code: only.code, inviterId: only.inviterId }),
    );
  }
  const candidates = codes.map((code) => candidate(code, input));
  const inviters = new Set(candidates.map((c) => (c.vanity ? null : c.inviterId)));
  const shared = inviters.size === 1 ? [...inviters][0]! : null;
  return joins.map((j) =>
    decision(j, 'ambiguous', 'several_codes', { candidates, inviterId: shared }),
  );
}

function subtract(a: Map<string, number>, b: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [code, n] of a) {
    const rest = n - (b.get(code) ?? 0);
    if (rest > 0) out.set(code, rest);
  }
  return out;
}

/** Decides a settled batch. */
export function decideSettled(input: DecideInput): Decision[] {
  const { joins, checkpoints, verdicts } = input;
  const t = tally(input);
  const last = checkpoints.at(-1);
  if (!last) return joins.map((j) => decision(j, 'unknown', 'fetch_failed'));

  if (t.certain === t.joins) {
    const consumed = new Set(
      [...last.diff.vanished.keys()].filter((code) => verdicts.get(code) === 'consumed'),
    );
    const out: Decision[] = [];
    let fromJoin = 0;
    let fromUnits = new Map<string, number>();
    for (const checkpoint of checkpoints) {
      const units = certainUnits(checkpoint.diff, verdicts);
      const isCut = checkpoint === last || sumUnits(units) === checkpoint.joinsBefore;
      if (!isCut || checkpoint.joinsBefore === fromJoin) continue;
      const block = joins.slice(fromJoin, checkpoint.joinsBefore);
      out.push(...decideBlock(block, subtract(units, fromUnits), consumed, input));
      fromJoin = checkpoint.joinsBefore;
      fromUnits = units;
    }
    return out;
  }

  return decideUnsure(input, t.certain < t.joins ? undefined : 'more_uses_than_joins');
}

/** Every join gets the batch's candidate codes, but no code or inviter: we cannot pair them. */
export function decideUnsure(input: DecideInput, reasonOverride?: ReasonKey): Decision[] {
  const last = input.checkpoints.at(-1);
  const codes = new Set<string>();
  let vanishedOpen = false;
  if (last) {
    for (const code of last.diff.certain.keys()) codes.add(code);
    for (const [code, vanished] of last.diff.vanished) {
      if (input.verdicts.get(code) === 'revoked' && vanished.confirmable) continue;
      codes.add(code);
      if (input.verdicts.get(code) !== 'consumed' || !vanished.confirmable) vanishedOpen = true;
    }
  }
  if (codes.size === 0) {
    return input.joins.map((j) => decision(j, 'unknown', reasonOverride ?? 'no_use_changed'));
  }
  const candidates = [...codes].sort().map((code) => candidate(code, input));
  const reason =
    reasonOverride ?? (vanishedOpen ? 'vanished_unconfirmed' : 'fewer_uses_than_joins');
  return input.joins.map((j) => decision(j, 'ambiguous', reason, { candidates }));
}
