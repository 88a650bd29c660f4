/**
 * Reward roles, the pure part: which tier roles an inviter should hold for a total, and what to add
 * and remove to get there from the roles the bot already gave. No I/O: the callers pass the tiers,
 * the guild's mode and the roles on record.
 */
import type { RewardRoleMode } from '../schema';

export type RewardTier = { invites: number; roleId: string };

export type RewardRoleRules = {
  /** `stack`: every reached tier's role; `highest`: only the highest reached tier's role. */
  mode: RewardRoleMode;
  /** Take roles away when the total falls below their tier; otherwise a role once given stays. */
  removeBelow: boolean;
};

export type RoleChanges = { add: string[]; remove: string[] };

/** The tiers sorted by threshold (lowest first). */
const byThreshold = (tiers: readonly RewardTier[]) =>
  [...tiers].sort((a, b) => a.invites - b.invites || a.roleId.localeCompare(b.roleId));

/**
 * The tier roles an inviter should hold with `total` invites, given the tier roles they hold now
 * (`held`, what the bot gave). Roles that are not (or no longer) a tier's are never touched.
 * - stack + remove: every tier with threshold ≤ total.
 * - stack + keep: those, plus every tier role already held.
 * - highest + remove: the highest tier with threshold ≤ total.
 * - highest + keep: the higher of that and the highest tier role held.
 */
export function wantedRoles(
  total: number,
  tiers: readonly RewardTier[],
  held: ReadonlySet<string>,
  rules: RewardRoleRules,
): Set<string> {
  const sorted = byThreshold(tiers);
  const reached = sorted.filter((t) => t.invites <= total);
  const kept = rules.removeBelow ? [] : sorted.filter((t) => held.has(t.roleId));
  if (rules.mode === 'stack') return new Set([...reached, ...kept].map((t) => t.roleId));
  const top = [...reached, ...kept].sort((a, b) => a.invites - b.invites).at(-1);
  return new Set(top ? [top.roleId] : []);
}

/**
 * What to change: the tier roles wanted but not held, and the tier roles held but not wanted.
 * Applying the answer and asking again gives no changes (idempotent).
 */
export function roleChanges(
  total: number,
  tiers: readonly RewardTier[],
  held: ReadonlySet<string>,
  rules: RewardRoleRules,
): RoleChanges {
  const tierRoles = new Set(tiers.map((t) => t.roleId));
  const heldTiers = new Set([...held].filter((r) => tierRoles.has(r)));
  const wanted = wantedRoles(total, tiers, heldTiers, rules);
  return {
    add: [...wanted].filter((r) => !heldTiers.has(r)).sort(),
    remove: [...heldTiers].filter((r) => !wanted.has(r)).sort(),
  };
}

/** The next tier above `total` (for "noch 3 bis @Recruiter"), or null when every tier is reached. */
export function nextTier(total: number, tiers: readonly RewardTier[]): RewardTier | null {
  return byThreshold(tiers).find((t) => t.invites > total) ?? null;
}
