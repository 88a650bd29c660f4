/**
 * The tier decision (pure): random tiers, modes, held roles and walks of totals. The answers must
 * be idempotent, add only reached tiers, follow each mode's rule and, when roles are taken away
 * below their tier, depend only on the current total.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  nextTier,
  roleChanges,
  wantedRoles,
  type RewardRoleRules,
  type RewardTier,
} from '../../db/shared/reward-roles';

const tiersArb = fc
  .uniqueArray(fc.integer({ min: 1, max: 30 }), { maxLength: 6 })
  .map((thresholds) =>
    thresholds.map((invites, i): RewardTier => ({ invites, roleId: `90000000000000000${i}` })),
  );
const rulesArb = fc.record<RewardRoleRules>({
  mode: fc.constantFrom('stack', 'highest'),
  removeBelow: fc.boolean(),
});
const OTHER_ROLE = '123456789012345678';

function apply(held: Set<string>, changes: { add: string[]; remove: string[] }): Set<string> {
  const next = new Set(held);
  for (const r of changes.add) next.add(r);
  for (const r of changes.remove) next.delete(r);
  return next;
}

describe('reward roles: the tier decision', () => {
  it('examples: stack, highest, keep and remove', () => {
    const tiers: RewardTier[] = [
      { invites: 5, roleId: '100000000000000005' },
      { invites: 1, roleId: '100000000000000001' },
      { invites: 10, roleId: '100000000000000010' },
    ];
    const none = new Set<string>();
    expect(roleChanges(6, tiers, none, { mode: 'stack', removeBelow: false })).toEqual({
      add: ['100000000000000001', '100000000000000005'],
      remove: [],
    });
    expect(roleChanges(6, tiers, none, { mode: 'highest', removeBelow: false })).toEqual({
      add: ['100000000000000005'],
      remove: [],
    });
    const both = new Set(['100000000000000001', '100000000000000005']);
    expect(roleChanges(4, tiers, both, { mode: 'stack', removeBelow: true })).toEqual({
      add: [],
      remove: ['100000000000000005'],
    });
    expect(roleChanges(4, tiers, both, { mode: 'stack', removeBelow: false })).toEqual({
      add: [],
      remove: [],
    });
    const top = new Set(['100000000000000005']);
    expect(roleChanges(0, tiers, top, { mode: 'highest', removeBelow: true })).toEqual({
      add: [],
      remove: ['100000000000000005'],
    });
    expect(roleChanges(4, tiers, top, { mode: 'highest', removeBelow: true })).toEqual({
      add: ['100000000000000001'],
      remove: ['100000000000000005'],
    });
    expect(nextTier(6, tiers)).toEqual({ invites: 10, roleId: '100000000000000010' });
    expect(nextTier(10, tiers)).toBeNull();
    expect(nextTier(-3, tiers)?.invites).toBe(1);
  });

  it('is idempotent, adds only reached tiers and never touches other roles', () => {
    fc.assert(
      fc.property(
        tiersArb,
        rulesArb,
        fc.integer({ min: -5, max: 40 }),
        fc.subarray([0, 1, 2, 3, 4, 5]),
        (tiers, rules, total, heldIdx) => {
          const held = new Set([
            OTHER_ROLE,
            ...heldIdx.filter((i) => i < tiers.length).map((i) => tiers[i]!.roleId),
          ]);
          const changes = roleChanges(total, tiers, held, rules);
          const after = apply(held, changes);
          expect(roleChanges(total, tiers, after, rules)).toEqual({ add: [], remove: [] });
          for (const r of changes.add) {
            expect(tiers.find((t) => t.roleId === r)!.invites).toBeLessThanOrEqual(total);
          }
          expect(changes.add).not.toContain(OTHER_ROLE);
          expect(changes.remove).not.toContain(OTHER_ROLE);
          expect(changes.add.filter((r) => changes.remove.includes(r))).toEqual([]);
          const tierHeld = [...after].filter((r) => r !== OTHER_ROLE);
          if (rules.mode === 'highest') expect(tierHeld.length).toBeLessThanOrEqual(1);
          if (rules.mode === 'stack' && !rules.removeBelow) expect(changes.remove).toEqual([]);
          const reached = tiers.filter((t) => t.invites <= total);
          if (rules.removeBelow && rules.mode === 'stack') {
            expect(tierHeld.sort()).toEqual(reached.map((t) => t.roleId).sort());
          }
          if (rules.removeBelow && rules.mode === 'highest') {
            const top = reached.sort((a, b) => b.invites - a.invites)[0];
            expect(tierHeld).toEqual(top ? [top.roleId] : []);
          }
          if (!rules.removeBelow) {
            // Reached tiers are covered: in stack mode held, in highest mode by a role at least as high.
            const heldTop = Math.max(
              0,
              ...tierHeld.map((r) => tiers.find((t) => t.roleId === r)!.invites),
            );
            for (const t of reached) {
              if (rules.mode === 'stack') expect(tierHeld).toContain(t.roleId);
              else expect(heldTop).toBeGreaterThanOrEqual(t.invites);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('along a walk of totals (with replays): a change only when the wanted set moves; with removal the roles follow the total alone', () => {
    fc.assert(
      fc.property(
        tiersArb,
        rulesArb,
        fc.array(fc.integer({ min: 0, max: 35 }), { minLength: 1, maxLength: 30 }),
        (tiers, rules, walk) => {
          let held = new Set<string>();
          let calls = 0;
          for (const total of walk.flatMap((t) => [t, t])) {
            const changes = roleChanges(total, tiers, held, rules);
            calls += changes.add.length + changes.remove.length;
            const next = apply(held, changes);
            expect(next).toEqual(wantedRoles(total, tiers, held, rules));
            held = next;
            if (rules.removeBelow) {
              expect(held).toEqual(wantedRoles(total, tiers, new Set(), rules));
            }
          }
          // Each step's calls are the symmetric difference of the sets: no call is repeated.
          let replay = new Set<string>();
          let expected = 0;
          for (const total of walk) {
            const next = wantedRoles(total, tiers, replay, rules);
            expected += [...next].filter((r) => !replay.has(r)).length;
            expected += [...replay].filter((r) => !next.has(r)).length;
            replay = next;
          }
          expect(calls).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
