/**
 * Fair play, the pure part: which fake-account flags apply to a join, whether the join is fake under
 * the guild's ANY/ALL mode, and when the inviter's reward is due. No I/O and no clock: the callers
 * pass the facts and the time.
 */
import type { FakeFlag, FakeMode } from '../schema';

const DISCORD_EPOCH_MS = 1_420_070_400_000n;
export const DAY_MS = 24 * 60 * 60_000;

/** When a Discord account (or anything with a snowflake id) was created. */
export function snowflakeTime(id: string): Date {
  return new Date(Number((BigInt(id) >> 22n) + DISCORD_EPOCH_MS));
}

export type FakeRules = {
  fakeAccountAge: boolean;
  fakeMinAccountAgeDays: number;
  fakeNoAvatar: boolean;
  fakeRejoin: boolean;
  fakeSelfInvite: boolean;
  fakeMode: FakeMode;
};

export type JoinFacts = {
  memberId: string;
  joinedAt: Date;
  /** null: not known (the join was found after downtime); the no-avatar flag then does not apply. */
  hasAvatar: boolean | null;
  /** The member has an earlier join recorded in this guild. */
  joinedBefore: boolean;
  inviterId: string | null;
};

/** The enabled flags, in FAKE_FLAGS order. */
export function enabledFlags(rules: FakeRules): FakeFlag[] {
  const on: FakeFlag[] = [];
  if (rules.fakeAccountAge) on.push('account_age');
  if (rules.fakeNoAvatar) on.push('no_avatar');
  if (rules.fakeRejoin) on.push('rejoin');
  if (rules.fakeSelfInvite) on.push('self_invite');
  return on;
}

function applies(flag: FakeFlag, facts: JoinFacts, rules: FakeRules): boolean {
  switch (flag) {
    case 'account_age':
      return (
        facts.joinedAt.getTime() - snowflakeTime(facts.memberId).getTime() <
        rules.fakeMinAccountAgeDays * DAY_MS
      );
    case 'no_avatar':
      return facts.hasAvatar === false;
    case 'rejoin':
      return facts.joinedBefore;
    case 'self_invite':
      return facts.inviterId !== null && facts.inviterId === facts.memberId;
  }
}

/** The enabled flags that apply, and whether they make the join fake (ANY: one; ALL: every one). */
export function assessFake(
  facts: JoinFacts,
  rules: FakeRules,
): { flags: FakeFlag[]; fake: boolean } {
  const enabled = enabledFlags(rules);
  const flags = enabled.filter((flag) => applies(flag, facts, rules));
  const fake = flags.length > 0 && (rules.fakeMode === 'any' || flags.length === enabled.length);
  return { flags, fake };
}

export type RewardRules = { minStayDays: number; requiredRoleId: string | null };

/** Whether a reward must wait (a minimum stay or a required role is set). */
export const rewardWaits = (rules: RewardRules) =>
  rules.minStayDays > 0 || rules.requiredRoleId !== null;

/** When the minimum stay of a join is over. */
export const rewardDueAt = (joinedAt: Date, rules: RewardRules) =>
  new Date(joinedAt.getTime() + rules.minStayDays * DAY_MS);

/** Whether a reward waiting since `joinedAt` may be released at `now`. */
export function rewardReleasable(
  join: { rewardDueAt: Date | null; roleSeenAt: Date | null; leftAt: Date | null },
  rules: Pick<RewardRules, 'requiredRoleId'>,
  now: Date,
): boolean {
  if (join.leftAt !== null) return false;
  if (join.rewardDueAt !== null && join.rewardDueAt.getTime() > now.getTime()) return false;
  return rules.requiredRoleId === null || join.roleSeenAt !== null;
}

/** Whether a leave takes the XP back: the setting is on and the member left within its days. */
export function takesBackXp(joinedAt: Date, leftAt: Date, takeBackDays: number): boolean {
  return takeBackDays > 0 && leftAt.getTime() - joinedAt.getTime() < takeBackDays * DAY_MS;
}
