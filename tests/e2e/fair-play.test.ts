/**
 * Fair play end to end on the simulator: fake-account flags, rewards only for members who stay
 * (a fake clock for the minimum stay, a gateway restart in between, the required role), leave
 * messages and XP taken back, and counters that the repair rebuild reproduces.
 */
import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway } from '../../gateway/app';
import { rebuildInviterStats } from '../../db/queries/leaderboard';
import { updateGuildSettings, type SettingsPatch } from '../../db/queries/settings';
import { inviterStats, memberJoins, memberXp } from '../../db/schema';
import { decidedJoin, eventually, gatewayOptions, primed, startStack, type Stack } from './stack';

const DAY = 24 * 60 * 60_000;
const DISCORD_EPOCH = 1_420_070_400_000n;
let serial = 0n;
/** A user id whose snowflake says the account was created `ageMs` ago. */
const accountAged = (ageMs: number) =>
  String(((BigInt(Date.now() - ageMs) - DISCORD_EPOCH) << 22n) | (++serial & 0xfffn));

async function xpOf(stack: Stack, userId: string): Promise<number> {
  const [row] = await stack.db.db.select().from(memberXp).where(eq(memberXp.userId, userId));
  return row?.xp ?? 0;
}

async function countersOf(stack: Stack, guildId: string, inviterId: string) {
  const [row] = await stack.db.db
    .select()
    .from(inviterStats)
    .where(and(eq(inviterStats.guildId, guildId), eq(inviterStats.inviterId, inviterId)));
  return row;
}

async function joinRow(stack: Stack, guildId: string, memberId: string) {
  const [row] = await stack.db.db
    .select()
    .from(memberJoins)
    .where(and(eq(memberJoins.guildId, guildId), eq(memberJoins.memberId, memberId)));
  return row!;
}

/** Every inviter's counters of the guild, as stored. */
async function allCounters(stack: Stack, guildId: string) {
  const rows = await stack.db.db
    .select()
    .from(inviterStats)
    .where(eq(inviterStats.guildId, guildId));
  return rows
    .map((r) => [r.inviterId, r.invites, r.regular, r.leaves, r.fake, r.bonus, r.pending])
    .sort();
}

describe('fair play end to end', () => {
  let stack: Stack;
  afterEach(async () => stack?.stop());

  async function setup(settings: SettingsPatch, clock?: () => number) {
    stack = await startStack({ gateway: clock ? { rewardClock: clock } : {} });
    const { sim } = stack;
    const guild = sim.createGuild({ name: 'Fair Play' });
    const log = sim.createChannel(guild.id, { name: 'invite-log' });
    const alice = sim.createUser({ username: 'alice', id: accountAged(400 * DAY) });
    sim.addMember(guild.id, alice.id);
    const invite = sim.createInvite(guild.id, { inviterId: alice.id });
    await primed(stack, guild.id);
    await updateGuildSettings(stack.db.db, guild.id, { logChannelId: log.id, ...settings }, null);
    return { sim, guild, log, alice, invite };
  }

  it('counts a 1-day-old account as fake: no XP, its own log line, fake in the counters', async () => {
    const { sim, guild, log, alice, invite } = await setup({ fakeAccountAge: true });
    const alt = sim.createUser({ username: 'alt', id: accountAged(DAY), avatar: 'abc' });
    await sim.join(guild.id, alt.id, { code: invite.code });
    expect(await decidedJoin(stack, guild.id, alt.id)).toMatchObject({
      outcome: 'exact',
      inviterId: alice.id,
      fake: true,
      fakeFlags: ['account_age'],
      rewardStatus: null,
      xpAwarded: 0,
    });
    const [line] = await eventually(() =>
      sim.messages(log.id).length > 0 ? sim.messages(log.id) : undefined,
    );
    expect(line!.content).toBe(
      `<@${alt.id}> wurde von <@${alice.id}> eingeladen, zählt aber als Fake (Konto zu neu). Einladungs-Count: 0`,
    );
    expect(await xpOf(stack, alice.id)).toBe(0);
    expect(await countersOf(stack, guild.id, alice.id)).toMatchObject({
      invites: 0,
      regular: 1,
      fake: 1,
      pending: 0,
    });
    // /invites uebersicht: the stats line above the codes.
    const interaction = await sim.invokeCommand({
      userId: alice.id,
      guildId: guild.id,
      name: 'invites',
      options: [{ name: 'uebersicht', type: 1, options: [] }],
      locale: 'de',
    });
    const response = await interaction.waitForResponse();
    const [stats, , codeLine] = (
      response.data as { embeds: { description: string }[] }
    ).embeds[0]!.description.split('\n');
    expect(stats).toBe('**0** Einladungen insgesamt · 1 regulär · 0 verlassen · 1 Fake · 0 Bonus');
    expect(codeLine).toContain(`\`${invite.code}\``);
  });

  it('counts the same 1-day-old account as regular with XP when the flag is off', async () => {
    const { sim, guild, log, alice, invite } = await setup({ fakeAccountAge: false });
    const alt = sim.createUser({ username: 'alt', id: accountAged(DAY) });
    await sim.join(guild.id, alt.id, { code: invite.code });
    expect(await decidedJoin(stack, guild.id, alt.id)).toMatchObject({
      fake: false,
      fakeFlags: [],
      rewardStatus: 'released',
      xpAwarded: 50,
    });
    const [line] = await eventually(() =>
      sim.messages(log.id).length > 0 ? sim.messages(log.id) : undefined,
    );
    expect(line!.content).toBe(
      `<@${alt.id}> wurde von <@${alice.id}> eingeladen. Einladungs-Count: 1`,
    );
    expect(await xpOf(stack, alice.id)).toBe(50);
    expect(await countersOf(stack, guild.id, alice.id)).toMatchObject({ invites: 1, regular: 1 });
  });

  it('minimum stay 1 day: XP only after the due time, never for a member who left, once across a restart', async () => {
    let offset = 0;
    const clock = () => Date.now() + offset;
    const { sim, guild, alice, invite } = await setup({ minStayDays: 1 }, clock);
    const bob = sim.createUser({ username: 'bob', id: accountAged(400 * DAY) });
    const carol = sim.createUser({ username: 'carol', id: accountAged(400 * DAY) });
    await sim.join(guild.id, bob.id, { code: invite.code });
    await decidedJoin(stack, guild.id, bob.id);
    await sim.join(guild.id, carol.id, { code: invite.code });
    const pending = await decidedJoin(stack, guild.id, carol.id);
    expect(pending).toMatchObject({ rewardStatus: 'pending', xpAwarded: 0 });
    expect(pending.rewardDueAt!.getTime()).toBe(pending.joinedAt.getTime() + DAY);
    expect(await countersOf(stack, guild.id, alice.id)).toMatchObject({
      invites: 0,
      regular: 0,
      pending: 2,
    });

    // Half a day later: nothing is due; Carol leaves and forfeits.
    offset = DAY / 2;
    expect(await stack.gateway.releaseDueRewards()).toBe(0);
    sim.leave(guild.id, carol.id);
    await eventually(
      async () => (await joinRow(stack, guild.id, carol.id)).rewardStatus === 'forfeited',
    );
    expect(await xpOf(stack, alice.id)).toBe(0);

    // The gateway goes down; when it comes back the day is over: Bob's reward is released at start.
    await stack.gateway.stop({ resumable: true });
    offset = DAY + 60_000;
    stack.gateway = await startGateway(
      ...gatewayOptions(stack.sim, stack.db, { rewardClock: clock }),
    );
    await eventually(async () => (await xpOf(stack, alice.id)) === 50);
    expect(await joinRow(stack, guild.id, bob.id)).toMatchObject({
      rewardStatus: 'released',
      xpAwarded: 50,
    });
    // Exactly once: later ticks (and a second process's) find nothing.
    expect(await stack.gateway.releaseDueRewards()).toBe(0);
    offset = 3 * DAY;
    expect(await stack.gateway.releaseDueRewards()).toBe(0);
    expect(await xpOf(stack, alice.id)).toBe(50);
    expect(await joinRow(stack, guild.id, carol.id)).toMatchObject({
      rewardStatus: 'forfeited',
      xpAwarded: 0,
    });
    expect(await countersOf(stack, guild.id, alice.id)).toMatchObject({
      invites: 1,
      regular: 1,
      leaves: 1,
      pending: 0,
    });
  });

  it('releases the reward at once when the required role is given after the join', async () => {
    stack = await startStack();
    const { sim } = stack;
    const guild = sim.createGuild({ name: 'Verified only' });
    const alice = sim.createUser({ username: 'alice', id: accountAged(400 * DAY) });
    sim.addMember(guild.id, alice.id);
    const invite = sim.createInvite(guild.id, { inviterId: alice.id });
    const verified = sim.createRole(guild.id, { name: 'Verified', permissions: 0n });
    await primed(stack, guild.id);
    await updateGuildSettings(stack.db.db, guild.id, { requiredRoleId: verified.id }, null);
    const bob = sim.createUser({ username: 'bob', id: accountAged(400 * DAY) });
    await sim.join(guild.id, bob.id, { code: invite.code });
    expect(await decidedJoin(stack, guild.id, bob.id)).toMatchObject({
      rewardStatus: 'pending',
      xpAwarded: 0,
    });
    expect(await stack.gateway.releaseDueRewards()).toBe(0);
    sim.setMemberRoles(guild.id, bob.id, [verified.id]);
    await eventually(async () => (await xpOf(stack, alice.id)) === 50);
    expect(await joinRow(stack, guild.id, bob.id)).toMatchObject({
      rewardStatus: 'released',
      xpAwarded: 50,
    });
    // The role again (another member update) pays nothing more.
    sim.setMemberRoles(guild.id, bob.id, [verified.id]);
    await stack.gateway.settled();
    expect(await xpOf(stack, alice.id)).toBe(50);
  });

  it('sends the leave message once, pinging only the people named, takes the XP back, and the rebuild equals the live counters', async () => {
    const { sim, guild, log, alice, invite } = await setup({
      leaveMessage: true,
      xpTakeBackDays: 7,
      leaveTemplate:
        '@everyone {member} ist weg <@&123456789012345678>, eingeladen von {inviter} ({regular}/{left}/{fake}/{bonus} → {count})',
    });
    const evil = sim.createUser({
      username: '@everyone',
      globalName: '<@&123456789012345678> @here',
      id: accountAged(400 * DAY),
    });
    await sim.join(guild.id, evil.id, { code: invite.code });
    await decidedJoin(stack, guild.id, evil.id);
    expect(await xpOf(stack, alice.id)).toBe(50);
    await eventually(() => sim.messages(log.id).length === 1);

    sim.leave(guild.id, evil.id);
    const messages = await eventually(() =>
      sim.messages(log.id).length === 2 ? sim.messages(log.id) : undefined,
    );
    const leave = messages[1]!;
    expect(leave.content).toBe(
      `@everyone <@${evil.id}> ist weg <@&123456789012345678>, eingeladen von <@${alice.id}> (0/1/0/0 → 0)`,
    );
    expect(leave.allowedMentions).toEqual({ parse: [], users: [evil.id, alice.id] });
    expect(leave.mentionEveryone).toBe(false);
    expect(leave.mentionRoles).toEqual([]);
    expect(new Set(leave.mentions)).toEqual(new Set([evil.id, alice.id]));
    expect(await xpOf(stack, alice.id)).toBe(0);
    expect(await joinRow(stack, guild.id, evil.id)).toMatchObject({
      rewardStatus: 'forfeited',
      xpAwarded: 0,
    });

    // A rejoin through the same code never earns again; a second leave sends its own single line.
    await sim.join(guild.id, evil.id, { code: invite.code });
    await decidedJoin(stack, guild.id, evil.id, 2);
    await stack.gateway.settled();
    expect(await xpOf(stack, alice.id)).toBe(0);
    expect(sim.messages(log.id)).toHaveLength(3);

    const live = await allCounters(stack, guild.id);
    expect(live).toEqual([[alice.id, 1, 1, 1, 0, 0, 0]]);
    await rebuildInviterStats(stack.db.db, guild.id);
    expect(await allCounters(stack, guild.id)).toEqual(live);
  });
});
