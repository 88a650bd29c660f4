import { API } from '@discordjs/core';
import { DiscordAPIError, REST } from '@discordjs/rest';
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BOT_PERMISSIONS } from './permissions';
import { startSimulator, type Simulator } from './index';

let sim: Simulator;
let api: API;

beforeEach(async () => {
  sim = await startSimulator({ seed: 11 });
  api = new API(new REST({ api: sim.api, offset: 0 }).setToken(sim.token));
});

afterEach(async () => {
  await sim.close();
});

async function refused(promise: Promise<unknown>): Promise<DiscordAPIError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiscordAPIError);
  return error as DiscordAPIError;
}

describe('REST: member roles', () => {
  function world(botPermissions = DEFAULT_BOT_PERMISSIONS | P.ManageRoles) {
    const g = sim.createGuild({ name: 'Roles', botPermissions });
    const alice = sim.createUser({ username: 'alice' });
    sim.addMember(g.id, alice.id);
    const below = sim.createRole(g.id, { name: 'Recruiter', permissions: 0n });
    const above = sim.createRole(g.id, { name: 'Admins', permissions: 0n });
    // The bot's role between the two: Recruiter below it, Admins above it.
    sim.setRolePosition(g.id, below.id, 1);
    sim.setRolePosition(g.id, g.botRoleId, 2);
    sim.setRolePosition(g.id, above.id, 3);
    return { g, alice, below, above };
  }

  it('adds and removes a role below the bot, idempotently, with GUILD_MEMBER_UPDATE state', async () => {
    const { g, alice, below } = world();
    await api.guilds.addRoleToMember(g.id, alice.id, below.id);
    await api.guilds.addRoleToMember(g.id, alice.id, below.id);
    expect(sim.memberRoles(g.id, alice.id)).toEqual([below.id]);
    await api.guilds.removeRoleFromMember(g.id, alice.id, below.id);
    await api.guilds.removeRoleFromMember(g.id, alice.id, below.id);
    expect(sim.memberRoles(g.id, alice.id)).toEqual([]);
    const puts = sim.requests.filter((r) => r.routeKey === 'PUT /guilds/:id/members/:id/roles/:id');
    expect(puts.map((r) => r.status)).toEqual([204, 204]);
  });

  it('refuses a role above the bot, a managed role and a bot without Manage Roles with 403 50013', async () => {
    const { g, alice, above } = world();
    expect((await refused(api.guilds.addRoleToMember(g.id, alice.id, above.id))).code).toBe(50013);
    const managed = await refused(api.guilds.addRoleToMember(g.id, alice.id, g.botRoleId));
    expect([managed.status, managed.code]).toEqual([403, 50013]);
    expect(sim.memberRoles(g.id, alice.id)).toEqual([]);

    const weak = world(DEFAULT_BOT_PERMISSIONS);
    const error = await refused(
      api.guilds.addRoleToMember(weak.g.id, weak.alice.id, weak.below.id),
    );
    expect([error.status, error.code]).toEqual([403, 50013]);
    expect(sim.memberRoles(weak.g.id, weak.alice.id)).toEqual([]);
  });

  it('answers Unknown Role and Unknown Member', async () => {
    const { g, alice, below } = world();
    expect((await refused(api.guilds.addRoleToMember(g.id, alice.id, '1'.repeat(18)))).code).toBe(
      10011,
    );
    const stranger = sim.createUser({ username: 'stranger' });
    expect((await refused(api.guilds.addRoleToMember(g.id, stranger.id, below.id))).code).toBe(
      10007,
    );
  });
});

describe('REST: channel invites (personal links)', () => {
  it('creates an invite as the bot with max age and uses; 403 without Create Invite; 400 out of range; 404 unknown channel', async () => {
    const g = sim.createGuild({ name: 'Links' });
    const welcome = sim.createChannel(g.id, { name: 'welcome' });
    const invite = await api.channels.createInvite(welcome.id, {
      max_age: 3600,
      max_uses: 10,
      unique: true,
    });
    expect(invite).toMatchObject({
      max_age: 3600,
      max_uses: 10,
      uses: 0,
      inviter: { id: sim.botUser.id },
      channel: { id: welcome.id },
    });
    expect(sim.invites(g.id).map((i) => i.code)).toContain(invite.code);
    const tooMany = await refused(api.channels.createInvite(welcome.id, { max_uses: 101 }));
    expect([tooMany.status, tooMany.code]).toEqual([400, 50035]);
    sim.setChannelOverwrites(welcome.id, [
      { id: g.everyoneRoleId, type: 0, allow: 0n, deny: P.CreateInstantInvite },
    ]);
    const denied = await refused(api.channels.createInvite(welcome.id, {}));
    expect([denied.status, denied.code]).toEqual([403, 50013]);
    const gone = await refused(api.channels.createInvite('1'.repeat(18), {}));
    expect([gone.status, gone.code]).toEqual([404, 10003]);
  });
});
