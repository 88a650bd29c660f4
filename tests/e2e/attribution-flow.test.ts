import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { updateGuildSettings } from '../../db/queries/settings';
import { excludeCode } from '../../db/queries/excluded-codes';
import { joinRevisions, memberJoins, memberXp } from '../../db/schema';
import { decidedJoin, eventually, primed, startStack, type Stack } from './stack';

async function xpOf(stack: Stack, userId: string): Promise<number> {
  const [row] = await stack.db.db.select().from(memberXp).where(eq(memberXp.userId, userId));
  return row?.xp ?? 0;
}

describe('gateway end to end on the simulator', () => {
  let stack: Stack;
  afterEach(async () => stack?.stop());

  async function setup(options: { dm?: boolean } = {}) {
    stack = await startStack();
    const { sim } = stack;
    const guild = sim.createGuild({ name: 'Test Server' });
    const log = sim.createChannel(guild.id, { name: 'willkommen' });
    const alice = sim.createUser({ username: 'alice' });
    sim.addMember(guild.id, alice.id);
    const invite = sim.createInvite(guild.id, { inviterId: alice.id, channelId: log.id });
    await primed(stack, guild.id);
    await updateGuildSettings(
      stack.db.db,
      guild.id,
      { logChannelId: log.id, dmInviter: options.dm ?? false },
      null,
    );
    return { sim, guild, log, alice, invite };
  }

  it('attributes a join, logs it with the count, awards 50 XP and DMs the inviter', async () => {
    const { sim, guild, log, alice, invite } = await setup({ dm: true });
    const bob = sim.createUser({ username: 'bob' });
    const truth = await sim.join(guild.id, bob.id, { code: invite.code });
    expect(truth.code).toBe(invite.code);

    const join = await decidedJoin(stack, guild.id, bob.id);
    expect(join).toMatchObject({
      outcome: 'exact',
      code: invite.code,
      inviterId: alice.id,
      xpAwarded: 50,
    });
    const [message] = await eventually(() =>
      sim.messages(log.id).length > 0 ? sim.messages(log.id) : undefined,
    );
    expect(message!.content).toBe(
      `<@${bob.id}> wurde von <@${alice.id}> eingeladen. Einladungs-Count: 1`,
    );
    expect(message!.allowedMentions).toEqual({ parse: [], users: [bob.id, alice.id] });
    expect(message!.nonce).toBeTruthy();
    expect(await xpOf(stack, alice.id)).toBe(50);
    const [dm] = await eventually(() =>
      sim.dms(alice.id).length > 0 ? sim.dms(alice.id) : undefined,
    );
    expect(dm!.content).toContain(invite.code);
    expect(dm!.content).toContain(`<@${bob.id}>`);
  });

  it('gives no XP for a rejoin through the same code, and XP for a rejoin through another code', async () => {
    const { sim, guild, log, alice, invite } = await setup();
    const second = sim.createInvite(guild.id, { inviterId: alice.id, channelId: log.id });
    const bob = sim.createUser({ username: 'bob' });
    await sim.join(guild.id, bob.id, { code: invite.code });
    await decidedJoin(stack, guild.id, bob.id, 1);
    sim.leave(guild.id, bob.id);
    await sim.join(guild.id, bob.id, { code: invite.code });
    expect(await decidedJoin(stack, guild.id, bob.id, 2)).toMatchObject({
      outcome: 'exact',
      xpAwarded: 0,
    });
    expect(await xpOf(stack, alice.id)).toBe(50);
    sim.leave(guild.id, bob.id);
    await sim.join(guild.id, bob.id, { code: second.code });
    expect(await decidedJoin(stack, guild.id, bob.id, 3)).toMatchObject({
      outcome: 'exact',
      code: second.code,
      xpAwarded: 50,
    });
    expect(await xpOf(stack, alice.id)).toBe(100);
    // Three joins of one member, two leaves: the count is still 1 (distinct, present).
    await eventually(() => sim.messages(log.id).length === 3);
    expect(sim.messages(log.id).at(-1)!.content).toMatch(/Einladungs-Count: 1$/);
  });

  it('revises a decision a late GUILD_MEMBER_ADD contradicts: the log line is edited, XP taken back, the revision stored', async () => {
    const { sim, guild, log, alice, invite } = await setup();
    const bob = sim.createUser({ username: 'bob' });
    const erin = sim.createUser({ username: 'erin' });
    // Bob's use is counted now, his event comes 2.5 s late; Erin (Discovery) arrives meanwhile, so
    // one use and one join look like Erin's.
    const bobJoined = sim.join(guild.id, bob.id, { code: invite.code, eventDelayMs: 2500 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await sim.join(guild.id, erin.id, { source: 'discovery' });
    expect(await decidedJoin(stack, guild.id, erin.id)).toMatchObject({
      outcome: 'exact',
      inviterId: alice.id,
    });
    await eventually(() => sim.messages(log.id).length === 1);
    await bobJoined;

    const revised = await eventually(async () => {
      const [row] = await stack.db.db
        .select()
        .from(memberJoins)
        .where(and(eq(memberJoins.guildId, guild.id), eq(memberJoins.memberId, erin.id)));
      return row?.revisedAt ? row : undefined;
    });
    expect(revised).toMatchObject({ code: null, inviterId: null, xpAwarded: 0 });
    expect(revised.outcome).not.toBe('exact');
    const trail = await stack.db.db
      .select()
      .from(joinRevisions)
      .where(eq(joinRevisions.joinId, revised.id));
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ cause: 'late_event', xpChange: -50 });
    expect(trail[0]!.previous).toMatchObject({ outcome: 'exact', inviterId: alice.id });
    expect(await xpOf(stack, alice.id)).toBe(0);
    // The line posted for Erin now says it was corrected, and still pings nobody else.
    const [line] = await eventually(() => {
      const first = sim.messages(log.id)[0];
      return first?.editedAt ? [first] : undefined;
    });
    expect(line!.content).toContain('korrigiert');
    expect(line!.content).not.toContain(`<@${alice.id}>`);
    expect(line!.mentions).toEqual([erin.id]);
    const bobRow = await decidedJoin(stack, guild.id, bob.id);
    expect(bobRow.inviterId).toBeNull();
  });

  it('records joins through an excluded code but sends no log, DM or XP', async () => {
    const { sim, guild, log, alice, invite } = await setup({ dm: true });
    await excludeCode(stack.db.db, guild.id, invite.code, null);
    const bob = sim.createUser({ username: 'bob' });
    await sim.join(guild.id, bob.id, { code: invite.code });
    expect(await decidedJoin(stack, guild.id, bob.id)).toMatchObject({
      outcome: 'exact',
      code: invite.code,
      inviterId: alice.id,
      excluded: true,
      xpAwarded: 0,
    });
    await stack.gateway.settled();
    expect(sim.messages(log.id)).toEqual([]);
    expect(sim.dms(alice.id)).toEqual([]);
    expect(await xpOf(stack, alice.id)).toBe(0);
  });

  it('pings nobody but the member and inviter, whatever the member is called', async () => {
    const { sim, guild, log, alice, invite } = await setup();
    await updateGuildSettings(
      stack.db.db,
      guild.id,
      { logTemplate: '@everyone {member} <@&123456789012345678> von {inviter} @here' },
      null,
    );
    const evil = sim.createUser({
      username: '@everyone',
      globalName: '<@&123456789012345678> @here',
    });
    await sim.join(guild.id, evil.id, { code: invite.code });
    const [message] = await eventually(() =>
      sim.messages(log.id).length > 0 ? sim.messages(log.id) : undefined,
    );
    expect(message!.mentionEveryone).toBe(false);
    expect(message!.mentionRoles).toEqual([]);
    expect(new Set(message!.mentions)).toEqual(new Set([evil.id, alice.id]));
  });
});
