/**
 * Counterexamples the property test found, replayed on every run (each failed before its fix).
 */
import { describe, expect, it } from 'vitest';
import { runScenario, type Scenario } from './helpers/attribution-scenario';

const noInvite = { inviterId: '1001', maxUses: 0, maxAgeMs: null };

function settled(s: Scenario) {
  const w = runScenario(s);
  expect(w.wrongDecisions()).toEqual([]);
  expect([...w.truths.keys()].filter((m) => !w.decisions.has(m))).toEqual([]);
  expect(w.unrecordedChanges()).toEqual([]);
  return w;
}

describe('attribution regressions', () => {
  it('two slow first events do not make the clock guess hide a late join (m1 was exact with c2)', () => {
    settled({
      initial: [
        { inviterId: '1001', maxUses: 0, maxAgeMs: 500 },
        { inviterId: '1001', maxUses: 0, maxAgeMs: 10_001 },
        noInvite,
        noInvite,
      ],
      vanity: false,
      latencyMs: 0,
      canAudit: false,
      seed: 1287962456,
      timing: {
        clockOffsetMs: 0,
        lateShare: 0.3,
        lateMaxMs: 300,
        afterEventShare: 0,
        lagMaxMs: 0,
      },
      steps: [
        { gapMs: 0, action: { kind: 'code', pick: 0 } },
        { gapMs: 0, action: { kind: 'create', invite: noInvite } },
        { gapMs: 1085, action: { kind: 'code', pick: 0 } },
      ],
    });
  });

  it('an invite lost across restarts does not keep the episode open: no endless fetching', () => {
    const w = settled({
      initial: [{ inviterId: '1003', maxUses: 0, maxAgeMs: 13_037 }],
      vanity: false,
      latencyMs: 7,
      canAudit: false,
      seed: 2147483625,
      timing: {
        clockOffsetMs: -2998,
        lateShare: 0.05,
        lateMaxMs: 3708,
        afterEventShare: 1,
        lagMaxMs: 329,
      },
      steps: [
        { gapMs: 0, action: { kind: 'bot' } },
        { gapMs: 21, action: { kind: 'code', pick: 805270367 } },
        {
          gapMs: 1190,
          action: { kind: 'create', invite: { inviterId: '1003', maxUses: 0, maxAgeMs: 9506 } },
        },
        { gapMs: 729, action: { kind: 'code', pick: 542973303 } },
        { gapMs: 167, action: { kind: 'restart', mode: 'identify', downMs: 4555 } },
        {
          gapMs: 519,
          action: { kind: 'create', invite: { inviterId: null, maxUses: 2, maxAgeMs: 14_437 } },
        },
        { gapMs: 697, action: { kind: 'restart', mode: 'identify', downMs: 3220 } },
        { gapMs: 36, action: { kind: 'discovery' } },
      ],
    });
    // It fetched every 300 ms for two minutes before; a handful of fetches decide it now.
    expect(w.fetchCount.invites).toBeLessThan(40);
    expect(w.revisions).toEqual([]);
  });

  it('a join found after a lost session keeps a claim on a use counted late (m2 was exact with its code)', () => {
    settled({
      initial: [noInvite],
      vanity: false,
      latencyMs: 0,
      canAudit: false,
      seed: 309024521,
      timing: {
        clockOffsetMs: 0,
        lateShare: 0,
        lateMaxMs: 300,
        afterEventShare: 1,
        lagMaxMs: 1,
      },
      steps: [
        { gapMs: 0, action: { kind: 'create', invite: noInvite } },
        { gapMs: 0, action: { kind: 'code', pick: 0 } },
        { gapMs: 0, action: { kind: 'restart', mode: 'identify', downMs: 0 } },
        { gapMs: 76, action: { kind: 'code', pick: 436113765 } },
        { gapMs: 0, action: { kind: 'create', invite: noInvite } },
      ],
    });
  });

  it("a missed join's late count is measured from when its event would have come, not from the member list", () => {
    settled({
      initial: [noInvite],
      vanity: false,
      latencyMs: 0,
      canAudit: false,
      seed: 664883104,
      timing: {
        clockOffsetMs: 0,
        lateShare: 0.3,
        lateMaxMs: 956,
        afterEventShare: 1,
        lagMaxMs: 926,
      },
      steps: [
        { gapMs: 0, action: { kind: 'create', invite: noInvite } },
        { gapMs: 0, action: { kind: 'code', pick: 0 } },
        { gapMs: 0, action: { kind: 'restart', mode: 'identify', downMs: 0 } },
        { gapMs: 973, action: { kind: 'bot' } },
        { gapMs: 28, action: { kind: 'code', pick: 0 } },
        { gapMs: 0, action: { kind: 'discovery' } },
        { gapMs: 0, action: { kind: 'code', pick: 0 } },
      ],
    });
  });

  it('a missed join whose event would have come later than the measured window keeps its claim', () => {
    settled({
      initial: [{ inviterId: '1001', maxUses: 0, maxAgeMs: 500 }, noInvite],
      vanity: false,
      latencyMs: 0,
      canAudit: false,
      seed: 14009536,
      timing: {
        clockOffsetMs: 0,
        lateShare: 0.3,
        lateMaxMs: 1431,
        afterEventShare: 1,
        lagMaxMs: 0,
      },
      steps: [
        { gapMs: 0, action: { kind: 'code', pick: 0 } },
        { gapMs: 0, action: { kind: 'create', invite: noInvite } },
        { gapMs: 0, action: { kind: 'code', pick: 0 } },
        { gapMs: 0, action: { kind: 'code', pick: 0 } },
        { gapMs: 0, action: { kind: 'discovery' } },
        { gapMs: 1116, action: { kind: 'code', pick: 0 } },
        { gapMs: 0, action: { kind: 'restart', mode: 'identify', downMs: 0 } },
        { gapMs: 1665, action: { kind: 'code', pick: 0 } },
        { gapMs: 0, action: { kind: 'discovery' } },
      ],
    });
  });

  it('a code created, used and revoked around two RESUMEs keeps its inviter (restored with the stored invites)', () => {
    settled({
      initial: [{ inviterId: '1001', maxUses: 0, maxAgeMs: 500 }],
      vanity: false,
      latencyMs: 0,
      canAudit: false,
      seed: -172409471,
      timing: { clockOffsetMs: 0, lateShare: 0, lateMaxMs: 300, afterEventShare: 0, lagMaxMs: 0 },
      steps: [
        { gapMs: 0, action: { kind: 'create', invite: noInvite } },
        { gapMs: 0, action: { kind: 'code', pick: 0 } },
        { gapMs: 0, action: { kind: 'restart', mode: 'resume', downMs: 9 } },
        { gapMs: 26, action: { kind: 'restart', mode: 'resume', downMs: 0 } },
        { gapMs: 0, action: { kind: 'discovery' } },
        { gapMs: 0, action: { kind: 'revoke', pick: 0 } },
        { gapMs: 0, action: { kind: 'code', pick: 0 } },
      ],
    });
  });

  // Found by a 40,000-run property test: a code created 2 ms after a lost session's re-identify,
  // used, then revoked after a RESUME, was decided exact with its code but no inviter. The engine was
  // right; the test World was not: a baseline saved from a fetch sent before the code existed
  // replaced the World's stored invites, where the gateway's saveBaseline keeps a row INVITE_CREATE
  // stored after the snapshot (and every other row as a tombstone, inviter included).
  it('a code created right after a re-identify keeps its inviter across a RESUME (restored with the stored invites)', () => {
    settled({
      initial: [{ inviterId: '1001', maxUses: 0, maxAgeMs: 500 }],
      vanity: false,
      latencyMs: 2,
      canAudit: false,
      seed: 1286665919,
      timing: { clockOffsetMs: 0, lateShare: 0, lateMaxMs: 300, afterEventShare: 0, lagMaxMs: 0 },
      steps: [
        { gapMs: 0, action: { kind: 'restart', mode: 'identify', downMs: 0 } },
        {
          gapMs: 2,
          action: { kind: 'create', invite: { inviterId: '1001', maxUses: 0, maxAgeMs: null } },
        },
        { gapMs: 0, action: { kind: 'code', pick: 0 } },
        { gapMs: 82, action: { kind: 'code', pick: 0 } },
        { gapMs: 0, action: { kind: 'restart', mode: 'resume', downMs: 0 } },
        { gapMs: 0, action: { kind: 'code', pick: 0 } },
        { gapMs: 0, action: { kind: 'revoke', pick: 0 } },
      ],
    });
  });

  // Found by a 20,000-run property test: joins no cut settled for two minutes, the newest fetch
  // already closed by force, and the engine asked to wait until that passed deadline, i.e. now:
  // the test World looped for ever, the gateway would have re-armed a 0 ms timer for two minutes.
  it('a forced close does not make the engine wake again at once (it waits for the abandonment)', () => {
    settled({
      initial: [{ inviterId: '1001', maxUses: 0, maxAgeMs: null }],
      vanity: false,
      latencyMs: 51,
      canAudit: true,
      seed: 973871959,
      timing: {
        clockOffsetMs: 0,
        lateShare: 0.05,
        lateMaxMs: 602,
        afterEventShare: 0,
        lagMaxMs: 6,
      },
      steps: [
        { gapMs: 1902, action: { kind: 'bot' } },
        { gapMs: 715, action: { kind: 'code', pick: 44219849 } },
        { gapMs: 16, action: { kind: 'discovery' } },
        { gapMs: 32, action: { kind: 'code', pick: 12300922 } },
        { gapMs: 41, action: { kind: 'code', pick: 1637637596 } },
        { gapMs: 1, action: { kind: 'code', pick: 1865090137 } },
        { gapMs: 93, action: { kind: 'discovery' } },
      ],
    });
  });

  it('a one-use invite used up before a re-baseline is not handed to the next join after a RESUME (m2 was exact with c0)', () => {
    settled({
      initial: [
        { inviterId: '1001', maxUses: 1, maxAgeMs: null },
        { inviterId: '1001', maxUses: 0, maxAgeMs: 500 },
      ],
      vanity: false,
      latencyMs: 1,
      canAudit: true,
      seed: 167923155,
      timing: { clockOffsetMs: 0, lateShare: 0, lateMaxMs: 300, afterEventShare: 0, lagMaxMs: 0 },
      steps: [
        { gapMs: 0, action: { kind: 'restart', mode: 'identify', downMs: 0 } },
        { gapMs: 0, action: { kind: 'code', pick: 0 } },
        { gapMs: 1021, action: { kind: 'restart', mode: 'resume', downMs: 0 } },
        { gapMs: 1, action: { kind: 'discovery' } },
        { gapMs: 0, action: { kind: 'code', pick: 0 } },
      ],
    });
  });
});
