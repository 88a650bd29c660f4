import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimError, startSimulator, type SimGuild, type Simulator } from './index';
import { data, sleep, startBot, type TestBot } from './helpers';

let sim: Simulator;
let bot: TestBot;
let guild: SimGuild;

beforeEach(async () => {
  sim = await startSimulator({ heartbeatIntervalMs: 1000 });
  guild = sim.createGuild({ vanityCode: 'fun', vanityUses: 3 });
  bot = await startBot(sim);
});

afterEach(async () => {
  await bot.destroy();
  await sim.close();
});

const userOf = (e: { d: unknown }) => ((e.d as { user?: { id: string } }).user ?? { id: '' }).id;

describe('invite semantics', () => {
  it('INVITE_CREATE is dispatched with Discord’s fields', async () => {
    const inviter = sim.createUser();
    sim.addMember(guild.id, inviter.id);
    const invite = sim.createInvite(guild.id, { inviterId: inviter.id, maxAge: 600, maxUses: 3 });
    const event = await bot.waitForEvent((e) => e.t === 'INVITE_CREATE');
    expect(data(event)).toEqual({
      type: 0,
      channel_id: guild.defaultChannelId,
      code: invite.code,
      created_at: invite.createdAt,
      guild_id: guild.id,
      inviter: expect.objectContaining({ id: inviter.id }) as unknown,
      max_age: 600,
      max_uses: 3,
      temporary: false,
      uses: 0,
      expires_at: invite.expiresAt,
    });
  });

  it('no invite events for a channel where the bot lacks MANAGE_CHANNELS', async () => {
    const g = sim.createGuild({ botPermissions: P.ViewChannel | P.ManageGuild });
    await bot.waitForEvent((e) => e.t === 'GUILD_CREATE' && data(e).id === g.id);
    const invite = sim.createInvite(g.id);
    sim.deleteInvite(invite.code);
    const admin = sim.createGuild({ botPermissions: P.Administrator });
    sim.createInvite(admin.id);
    await bot.waitForEvent((e) => e.t === 'INVITE_CREATE');
    expect(
      bot.events.filter((e) => e.t.startsWith('INVITE_')).map((e) => data(e).guild_id),
    ).toEqual([admin.id]);
  });

  it('uses are incremented before GUILD_MEMBER_ADD by default', async () => {
    const invite = sim.createInvite(guild.id);
    const usesAtAdd: number[] = [];
    bot.client.on(
      'GUILD_MEMBER_ADD' as never,
      (async ({ api }: { api: typeof bot.client.api }) => {
        const list = await api.guilds.getInvites(guild.id);
        usesAtAdd.push(list.find((i) => i.code === invite.code)?.uses ?? -1);
      }) as never,
    );
    const user = sim.createUser();
    const truth = await sim.join(guild.id, user.id, { code: invite.code });
    await sim.waitFor(() => usesAtAdd.length === 1);
    expect(usesAtAdd).toEqual([1]);
    expect(truth).toMatchObject({
      guildId: guild.id,
      userId: user.id,
      via: 'code',
      code: invite.code,
      inviterId: guild.ownerId,
    });
    const add = await bot.waitForEvent((e) => e.t === 'GUILD_MEMBER_ADD');
    expect(add.s).toBe(truth.sequence);
    expect((data(add) as { joined_at: string }).joined_at).toBe(truth.joinedAt);
    expect(data(add)).toMatchObject({ guild_id: guild.id, roles: [], pending: false, flags: 0 });
    expect(sim.joins).toEqual([truth]);
  });

  it('after-dispatch with a delay: the add arrives before the increment is visible', async () => {
    sim.setInviteTiming({ incrementTiming: 'after-dispatch', incrementDelayMs: 1000 });
    const invite = sim.createInvite(guild.id);
    const user = sim.createUser();
    const joining = sim.join(guild.id, user.id, { code: invite.code });
    await bot.waitForEvent((e) => e.t === 'GUILD_MEMBER_ADD');
    const early = await bot.client.api.guilds.getInvites(guild.id);
    expect(early.find((i) => i.code === invite.code)?.uses).toBe(0);
    await joining;
    const late = await bot.client.api.guilds.getInvites(guild.id);
    expect(late.find((i) => i.code === invite.code)?.uses).toBe(1);
  });

  it('a used-up max-uses invite vanishes and INVITE_DELETE follows the GUILD_MEMBER_ADD', async () => {
    const invite = sim.createInvite(guild.id, { maxUses: 2 });
    const [u1, u2, u3] = [sim.createUser(), sim.createUser(), sim.createUser()];
    await sim.join(guild.id, u1!.id, { code: invite.code });
    expect(sim.getInvite(invite.code)?.uses).toBe(1);
    await sim.join(guild.id, u2!.id, { code: invite.code });
    expect(sim.getInvite(invite.code)).toBeUndefined();
    await expect(sim.join(guild.id, u3!.id, { code: invite.code })).rejects.toBeInstanceOf(
      SimError,
    );
    await bot.waitForEvent((e) => e.t === 'INVITE_DELETE');
    const order = bot.events
      .filter((e) => e.t === 'GUILD_MEMBER_ADD' || e.t === 'INVITE_DELETE')
      .map((e) => (e.t === 'INVITE_DELETE' ? `DEL ${String(data(e).code)}` : `ADD ${userOf(e)}`));
    expect(order).toEqual([`ADD ${u1!.id}`, `ADD ${u2!.id}`, `DEL ${invite.code}`]);
    expect(data(bot.events.find((e) => e.t === 'INVITE_DELETE')!)).toEqual({
      channel_id: guild.defaultChannelId,
      guild_id: guild.id,
      code: invite.code,
    });
    expect((await bot.client.api.guilds.getInvites(guild.id)).map((i) => i.code)).toEqual([]);
  });

  it('concurrent joins cannot overuse a max-uses invite', async () => {
    sim.setInviteTiming({ incrementDelayMs: 50 });
    const invite = sim.createInvite(guild.id, { maxUses: 1 });
    const results = await Promise.allSettled(
      [sim.createUser(), sim.createUser()].map((u) =>
        sim.join(guild.id, u.id, { code: invite.code }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('an expired invite vanishes from GET invites without any event (control and real max_age)', async () => {
    const a = sim.createInvite(guild.id);
    const b = sim.createInvite(guild.id, { maxAge: 1 });
    await bot.waitForEvent((e) => e.t === 'INVITE_CREATE' && data(e).code === b.code);
    sim.expireInvite(a.code);
    expect((await bot.client.api.guilds.getInvites(guild.id)).map((i) => i.code)).toEqual([b.code]);
    await sleep(1100);
    expect(await bot.client.api.guilds.getInvites(guild.id)).toEqual([]);
    expect(sim.getInvite(b.code)).toBeUndefined();
    await expect(sim.join(guild.id, sim.createUser().id, { code: b.code })).rejects.toThrow(
      /unknown invite/,
    );
    await sleep(100);
    expect(bot.events.filter((e) => e.t === 'INVITE_DELETE')).toEqual([]);
  });

  it('vanity joins raise only the vanity uses; bot/discovery/oauth joins change no counter', async () => {
    const invite = sim.createInvite(guild.id, { uses: 4 });
    const vanityJoin = await sim.join(guild.id, sim.createUser().id, { vanity: true });
    expect(vanityJoin).toMatchObject({ via: 'vanity', code: 'fun', inviterId: null });
    expect(await bot.client.api.guilds.getVanityURL(guild.id)).toEqual({ code: 'fun', uses: 4 });
    const botUser = sim.createUser({ bot: true });
    expect(await sim.join(guild.id, botUser.id, { bot: true })).toMatchObject({
      via: 'bot',
      code: null,
    });
    expect(await sim.join(guild.id, sim.createUser().id, { source: 'discovery' })).toMatchObject({
      via: 'discovery',
    });
    expect(await sim.join(guild.id, sim.createUser().id, { source: 'oauth' })).toMatchObject({
      via: 'oauth',
    });
    expect(sim.getInvite(invite.code)?.uses).toBe(4);
    expect(sim.getGuild(guild.id)?.vanityUses).toBe(4);
    expect((await bot.client.api.guilds.getInvites(guild.id)).map((i) => i.code)).toEqual([
      invite.code,
    ]);
    const adds = await sim
      .waitFor(() => bot.events.filter((e) => e.t === 'GUILD_MEMBER_ADD').length === 4)
      .then(() => bot.events.filter((e) => e.t === 'GUILD_MEMBER_ADD'));
    expect((data(adds[1]!).user as { bot?: boolean }).bot).toBe(true);
  });

  it('a member cannot join again; a rejoin after leaving sets DID_REJOIN', async () => {
    const invite = sim.createInvite(guild.id);
    const user = sim.createUser();
    await sim.join(guild.id, user.id, { code: invite.code });
    await expect(sim.join(guild.id, user.id, { code: invite.code })).rejects.toThrow(
      /already a member/,
    );
    sim.leave(guild.id, user.id);
    const removed = await bot.waitForEvent((e) => e.t === 'GUILD_MEMBER_REMOVE');
    expect(data(removed)).toMatchObject({ guild_id: guild.id, user: { id: user.id } });
    await sim.join(guild.id, user.id, { code: invite.code });
    await sim.waitFor(() => bot.events.filter((e) => e.t === 'GUILD_MEMBER_ADD').length === 2);
    const rejoin = bot.events.filter((e) => e.t === 'GUILD_MEMBER_ADD')[1]!;
    expect(data(rejoin).flags).toBe(1);
    expect(sim.getInvite(invite.code)?.uses).toBe(2);
  });

  it('temporary invites: the member is kicked on disconnect unless they got a role', async () => {
    const invite = sim.createInvite(guild.id, { temporary: true });
    const [kept, kicked] = [sim.createUser(), sim.createUser()];
    await sim.join(guild.id, kept!.id, { code: invite.code });
    await sim.join(guild.id, kicked!.id, { code: invite.code });
    const role = sim.createRole(guild.id, { name: 'verified', permissions: 0n });
    sim.setMemberRoles(guild.id, kept!.id, [role.id]);
    expect(sim.disconnectMember(guild.id, kept!.id)).toBe(false);
    expect(sim.disconnectMember(guild.id, kicked!.id)).toBe(true);
    const removed = await bot.waitForEvent((e) => e.t === 'GUILD_MEMBER_REMOVE');
    expect(userOf(removed)).toBe(kicked!.id);
    expect(sim.getMember(guild.id, kept!.id)?.roles).toEqual([role.id]);
    expect(sim.getMember(guild.id, kicked!.id)).toBeUndefined();
  });
});

describe('guilds without the bot', () => {
  it('joins still happen (ground truth recorded) but the bot hears nothing', async () => {
    const away = sim.createGuild({ withBot: false });
    const truth = await sim.join(away.id, sim.createUser().id, { source: 'discovery' });
    expect(truth.sequence).toBeNull();
    sim.addBotToGuild(away.id);
    const create = await bot.waitForEvent((e) => e.t === 'GUILD_CREATE' && data(e).id === away.id);
    expect(data(create).member_count).toBe(3);
    expect(bot.events.some((e) => e.t === 'GUILD_MEMBER_ADD')).toBe(false);
  });
});
