import { afterEach, describe, expect, it } from 'vitest';
import { getGuild } from '../../db/queries/guilds';
import { listStoredInvites, loadSnapshot } from '../../db/queries/invites';
import { updateGuildSettings } from '../../db/queries/settings';
import type { CreateGuildOptions } from '../sim';
import { decidedJoin, eventually, primed, startStack, type Stack } from './stack';

const VIEW_AND_SEND = (1n << 10n) | (1n << 11n);
const MANAGE_GUILD = 1n << 5n;

describe('honest outcomes end to end', () => {
  let stack: Stack;
  afterEach(async () => stack?.stop());

  async function setup(guildOptions: CreateGuildOptions = {}) {
    stack = await startStack();
    const { sim } = stack;
    const guild = sim.createGuild({ name: 'Outcomes', ...guildOptions });
    const log = sim.createChannel(guild.id, { name: 'invite-log' });
    const alice = sim.createUser({ username: 'alice' });
    sim.addMember(guild.id, alice.id);
    await primed(stack, guild.id);
    await updateGuildSettings(stack.db.db, guild.id, { logChannelId: log.id }, null);
    return { sim, guild, log, alice };
  }

  it('recognises a vanity-URL join and names no inviter', async () => {
    const { sim, guild, log } = await setup({ vanityCode: 'coolserver', vanityUses: 7 });
    sim.createInvite(guild.id, { inviterId: null });
    const bob = sim.createUser({ username: 'bob' });
    await sim.join(guild.id, bob.id, { vanity: true });
    expect(await decidedJoin(stack, guild.id, bob.id)).toMatchObject({
      outcome: 'vanity',
      code: 'coolserver',
      inviterId: null,
      xpAwarded: 0,
    });
    const [line] = await eventually(() =>
      sim.messages(log.id).length ? sim.messages(log.id) : undefined,
    );
    expect(line!.content).toBe(
      `<@${bob.id}> ist beigetreten; über die Vanity-URL discord.gg/coolserver.`,
    );
  });

  it('labels a bot added through OAuth as a bot without fetching invites', async () => {
    const { sim, guild, alice } = await setup();
    sim.createInvite(guild.id, { inviterId: alice.id });
    const fetchesBefore = sim.requests.filter(
      (r) => r.routeKey === 'GET /guilds/:id/invites',
    ).length;
    const robot = sim.createUser({ username: 'helper-bot', bot: true });
    await sim.join(guild.id, robot.id, { bot: true });
    expect(await decidedJoin(stack, guild.id, robot.id)).toMatchObject({
      outcome: 'bot',
      memberBot: true,
      inviterId: null,
    });
    expect(sim.requests.filter((r) => r.routeKey === 'GET /guilds/:id/invites').length).toBe(
      fetchesBefore,
    );
  });

  it('says unknown for a Server Discovery join, which moves no counter', async () => {
    const { sim, guild, alice } = await setup();
    sim.createInvite(guild.id, { inviterId: alice.id });
    const bob = sim.createUser({ username: 'bob' });
    await sim.join(guild.id, bob.id, { source: 'discovery' });
    expect(await decidedJoin(stack, guild.id, bob.id)).toMatchObject({
      outcome: 'unknown',
      reason: 'no_use_changed',
    });
  });

  it('records no_permission after MANAGE_GUILD is taken away, explains it, and keeps the stored snapshot', async () => {
    const { sim, guild, log, alice } = await setup();
    const invite = sim.createInvite(guild.id, { inviterId: alice.id });
    await eventually(async () => (await listStoredInvites(stack.db.db, guild.id)).length === 1);
    sim.setRolePermissions(guild.id, guild.botRoleId, VIEW_AND_SEND);
    const bob = sim.createUser({ username: 'bob' });
    await sim.join(guild.id, bob.id, { code: invite.code });
    expect(await decidedJoin(stack, guild.id, bob.id)).toMatchObject({
      outcome: 'no_permission',
      reason: 'missing_manage_guild',
      inviterId: null,
    });
    const [line] = await eventually(() =>
      sim.messages(log.id).length ? sim.messages(log.id) : undefined,
    );
    expect(line!.content).toContain('Server verwalten');
    const stored = await listStoredInvites(stack.db.db, guild.id);
    expect(stored.map((i) => i.code)).toEqual([invite.code]);
  });

  it('notices at once when Manage Server is given back (the role update says so)', async () => {
    const { sim, guild, alice } = await setup();
    const invite = sim.createInvite(guild.id, { inviterId: alice.id });
    sim.setRolePermissions(guild.id, guild.botRoleId, VIEW_AND_SEND);
    const bob = sim.createUser({ username: 'bob' });
    await sim.join(guild.id, bob.id, { code: invite.code });
    expect(await decidedJoin(stack, guild.id, bob.id)).toMatchObject({ outcome: 'no_permission' });
    sim.setRolePermissions(guild.id, guild.botRoleId, VIEW_AND_SEND | MANAGE_GUILD);
    // Well within the minute the engine would otherwise wait before trying the invites again: the
    // GUILD_ROLE_UPDATE retakes the baseline at once.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const carol = sim.createUser({ username: 'carol' });
    await sim.join(guild.id, carol.id, { code: invite.code });
    expect(await decidedJoin(stack, guild.id, carol.id)).toMatchObject({
      outcome: 'exact',
      code: invite.code,
      inviterId: alice.id,
    });
  });

  it('answers in English when the guild chose English', async () => {
    const { sim, guild, log, alice } = await setup();
    await updateGuildSettings(stack.db.db, guild.id, { locale: 'en' }, null);
    const invite = sim.createInvite(guild.id, { inviterId: alice.id });
    const bob = sim.createUser({ username: 'bob' });
    await sim.join(guild.id, bob.id, { code: invite.code });
    const [line] = await eventually(() =>
      sim.messages(log.id).length ? sim.messages(log.id) : undefined,
    );
    expect(line!.content).toBe(`<@${bob.id}> was invited by <@${alice.id}>. Invite count: 1`);
  });

  it('waits out a 429 storm on the invites route and still attributes exactly', async () => {
    const { sim, guild, alice } = await setup();
    const invite = sim.createInvite(guild.id, { inviterId: alice.id });
    sim.faults.rateLimit('GET /guilds/:id/invites', { count: 5, retryAfter: 0.2 });
    const bob = sim.createUser({ username: 'bob' });
    await sim.join(guild.id, bob.id, { code: invite.code });
    expect(await decidedJoin(stack, guild.id, bob.id)).toMatchObject({
      outcome: 'exact',
      code: invite.code,
    });
    expect(sim.rateLimitedByRoute['GET /guilds/:id/invites']).toBe(5);
    expect(stack.gateway.ready()).toBe(true);
  });

  it('retries when Discord answers 5xx, without losing the join', async () => {
    const { sim, guild, alice } = await setup();
    const invite = sim.createInvite(guild.id, { inviterId: alice.id });
    sim.faults.serverError('GET /guilds/:id/invites', { count: 6, status: 502 });
    const bob = sim.createUser({ username: 'bob' });
    await sim.join(guild.id, bob.id, { code: invite.code });
    expect(await decidedJoin(stack, guild.id, bob.id)).toMatchObject({
      outcome: 'exact',
      code: invite.code,
    });
  });
});

describe('used-up max-uses invites', () => {
  let stack: Stack;
  afterEach(async () => stack?.stop());

  const AUDIT = 1n << 7n;
  const BASE = (1n << 10n) | (1n << 11n) | (1n << 5n) | (1n << 4n);

  async function run(botPermissions: bigint) {
    stack = await startStack();
    const { sim } = stack;
    const guild = sim.createGuild({ name: 'Once', botPermissions });
    const alice = sim.createUser({ username: 'alice' });
    sim.addMember(guild.id, alice.id);
    const once = sim.createInvite(guild.id, { inviterId: alice.id, maxUses: 1 });
    await primed(stack, guild.id);
    const bob = sim.createUser({ username: 'bob' });
    await sim.join(guild.id, bob.id, { code: once.code });
    expect(sim.getInvite(once.code)).toBeUndefined();
    return { join: await decidedJoin(stack, guild.id, bob.id), once, alice };
  }

  it('attributes the last use of a one-use invite once the audit log shows it was not revoked', async () => {
    const { join, once, alice } = await run(BASE | AUDIT);
    expect(join).toMatchObject({
      outcome: 'exact',
      reason: 'max_uses_consumed',
      code: once.code,
      inviterId: alice.id,
      xpAwarded: 50,
    });
    expect(stack.sim.requests.some((r) => r.routeKey === 'GET /guilds/:id/audit-logs')).toBe(true);
  });

  it('without View Audit Log, names the vanished invite only as a candidate', async () => {
    const { join, once, alice } = await run(BASE);
    expect(join).toMatchObject({
      outcome: 'ambiguous',
      reason: 'vanished_unconfirmed',
      inviterId: null,
      xpAwarded: 0,
    });
    expect(join.candidates).toEqual([{ code: once.code, inviterId: alice.id }]);
  });
});

describe('GUILD_UPDATE', () => {
  let stack: Stack;
  afterEach(async () => stack?.stop());

  it('keeps the guild name and the vanity URL current', async () => {
    stack = await startStack();
    const { sim, db } = stack;
    const guild = sim.createGuild({ name: 'Old name' });
    const alice = sim.createUser();
    sim.addMember(guild.id, alice.id);
    sim.createInvite(guild.id, { inviterId: alice.id });
    await primed(stack, guild.id);
    sim.setVanity(guild.id, 'brandnew', 0);
    sim.dispatchRaw(
      'GUILD_UPDATE',
      {
        id: guild.id,
        name: 'New name',
        icon: null,
        owner_id: guild.ownerId,
        features: ['VANITY_URL'],
      },
      guild.id,
    );
    await eventually(async () => (await getGuild(db.db, guild.id))?.name === 'New name');
    // Gaining the feature reads the vanity counter at once, so the very first vanity join counts.
    await eventually(async () => (await loadSnapshot(db.db, guild.id)).vanity?.code === 'brandnew');
    const first = sim.createUser();
    await sim.join(guild.id, first.id, { vanity: true });
    expect(await decidedJoin(stack, guild.id, first.id)).toMatchObject({
      outcome: 'vanity',
      code: 'brandnew',
    });
    const second = sim.createUser();
    await sim.join(guild.id, second.id, { vanity: true });
    expect(await decidedJoin(stack, guild.id, second.id)).toMatchObject({
      outcome: 'vanity',
      code: 'brandnew',
    });
  });
});
