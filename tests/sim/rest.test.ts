import { API } from '@discordjs/core';
import { DiscordAPIError, REST } from '@discordjs/rest';
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './index';

let sim: Simulator;
let rest: REST;
let api: API;

beforeEach(async () => {
  sim = await startSimulator({ seed: 7 });
  rest = new REST({ api: sim.api, offset: 0 }).setToken(sim.token);
  api = new API(rest);
});

afterEach(async () => {
  await sim.close();
});

async function apiError(promise: Promise<unknown>): Promise<DiscordAPIError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiscordAPIError);
  return error as DiscordAPIError;
}

describe('REST: guilds and invites', () => {
  it('lists invites with inviter, channel, guild and metadata, never the vanity code or expired ones', async () => {
    const g = sim.createGuild({ name: 'Home', vanityCode: 'home' });
    const alice = sim.createUser({ username: 'alice' });
    sim.addMember(g.id, alice.id);
    const a = sim.createInvite(g.id, { inviterId: alice.id, maxUses: 5, uses: 2 });
    const b = sim.createInvite(g.id, { inviterId: null, maxAge: 3600, temporary: true });
    const gone = sim.createInvite(g.id);
    sim.expireInvite(gone.code);

    const invites = await api.guilds.getInvites(g.id);
    expect(invites.map((i) => i.code).sort()).toEqual([a.code, b.code].sort());
    const first = invites.find((i) => i.code === a.code);
    expect(first).toMatchObject({
      type: 0,
      code: a.code,
      uses: 2,
      max_uses: 5,
      max_age: 0,
      temporary: false,
      expires_at: null,
      created_at: a.createdAt,
      inviter: { id: alice.id, username: 'alice', discriminator: '0' },
      channel: { id: g.defaultChannelId, name: 'general', type: 0 },
      guild: { id: g.id, name: 'Home', vanity_url_code: 'home' },
    });
    const second = invites.find((i) => i.code === b.code);
    expect(second?.inviter).toBeUndefined();
    expect(second).toMatchObject({ temporary: true, max_age: 3600, expires_at: b.expiresAt });
    expect(b.code).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(g.id).toMatch(/^\d{17,19}$/);
  });

  it('needs MANAGE_GUILD (or VIEW_AUDIT_LOG without metadata) for invites: else 50013', async () => {
    const g = sim.createGuild({ botPermissions: P.ViewChannel | P.SendMessages });
    sim.createInvite(g.id, { uses: 3 });
    const error = await apiError(api.guilds.getInvites(g.id));
    expect(error.status).toBe(403);
    expect(error.code).toBe(50013);
    expect(error.message).toBe('Missing Permissions');

    sim.setRolePermissions(g.id, g.botRoleId, P.ViewAuditLog);
    const [invite] = await api.guilds.getInvites(g.id);
    expect(invite?.code).toBeDefined();
    expect(invite).not.toHaveProperty('uses');

    sim.setRolePermissions(g.id, g.botRoleId, P.Administrator);
    const [full] = await api.guilds.getInvites(g.id);
    expect(full).toMatchObject({ uses: 3 });
  });

  it('vanity URL: 50020 without the feature, {code:null,uses:0} without a code, else code and uses', async () => {
    const plain = sim.createGuild();
    const error = await apiError(api.guilds.getVanityURL(plain.id));
    expect(error.status).toBe(400);
    expect(error.code).toBe(50020);

    const featured = sim.createGuild({ features: ['VANITY_URL'] });
    expect(await api.guilds.getVanityURL(featured.id)).toEqual({ code: null, uses: 0 });
    sim.setVanity(featured.id, 'cool', 12);
    expect(await api.guilds.getVanityURL(featured.id)).toEqual({ code: 'cool', uses: 12 });

    const noPerm = sim.createGuild({ vanityCode: 'x', botPermissions: 0n });
    expect((await apiError(api.guilds.getVanityURL(noPerm.id))).code).toBe(50013);
  });

  it('guild, channels, roles and members; 10007 for a non-member, 10004 for an unknown guild', async () => {
    const g = sim.createGuild({ name: 'G', locale: 'de' });
    const role = sim.createRole(g.id, { name: 'Mods', permissions: P.ManageGuild });
    const user = sim.createUser({ username: 'bob', globalName: 'Bob' });
    sim.addMember(g.id, user.id, { roles: [role.id] });
    const guild = await api.guilds.get(g.id);
    expect(guild).toMatchObject({
      id: g.id,
      name: 'G',
      owner_id: g.ownerId,
      preferred_locale: 'de',
    });
    const roles = await api.guilds.getRoles(g.id);
    expect(roles.map((r) => [r.name, r.permissions])).toEqual([
      ['@everyone', roles[0]?.permissions],
      [sim.botUser.username, roles[1]?.permissions],
      ['Mods', P.ManageGuild.toString()],
    ]);
    expect(roles[0]?.id).toBe(g.id);
    expect(typeof roles[0]?.permissions).toBe('string');
    const channels = await api.guilds.getChannels(g.id);
    expect(channels.map((c) => c.id)).toEqual([g.defaultChannelId]);
    const member = await api.guilds.getMember(g.id, user.id);
    expect(member).toMatchObject({ roles: [role.id], user: { id: user.id, global_name: 'Bob' } });
    const stranger = sim.createUser();
    expect((await apiError(api.guilds.getMember(g.id, stranger.id))).code).toBe(10007);
    expect((await apiError(api.guilds.get('123456789012345678'))).code).toBe(10004);
  });

  it('answers unknown routes with 404 {"message":"404: Not Found","code":0} as JSON', async () => {
    const res = await fetch(`${sim.api}/v10/definitely/not/here`, {
      headers: { Authorization: `Bot ${sim.token}` },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ message: '404: Not Found', code: 0 });
  });

  it('401 for a bad token, and @discordjs/rest drops its token afterwards', async () => {
    const bad = new REST({ api: sim.api, offset: 0 }).setToken('bad.token.here');
    const error = await apiError(new API(bad).users.getCurrent());
    expect(error.status).toBe(401);
    expect(error.rawError).toEqual({ message: '401: Unauthorized', code: 0 });
    await expect(new API(bad).users.getCurrent()).rejects.toThrow(/Expected token to be set/);
    expect(sim.requests.at(-1)).toMatchObject({ auth: 'invalid', status: 401, path: '/users/@me' });
    expect(JSON.stringify(sim.requests)).not.toContain('bad.token.here');
  });

  it('GET /gateway/bot and /users/@me for the bot', async () => {
    const info = await api.gateway.getBot();
    expect(info).toMatchObject({
      url: sim.gatewayUrl,
      shards: 1,
      session_start_limit: { max_concurrency: 1 },
    });
    expect(info.url).not.toContain('?');
    const me = await api.users.getCurrent();
    expect(me).toMatchObject({ id: sim.botUser.id, bot: true, discriminator: '0' });
    expect(sim.applicationId).toBe(sim.botUser.id);
  });

  it('is deterministic for a seed', async () => {
    const other = await startSimulator({ seed: 7 });
    try {
      expect(other.token).toBe(sim.token);
      expect(other.applicationId).toBe(sim.applicationId);
      expect(other.oauth.clientSecret).toBe(sim.oauth.clientSecret);
      expect(other.createGuild().id).toBe(sim.createGuild().id);
      expect(other.createInvite(other.createGuild().id).code).toBe(
        sim.createInvite(sim.createGuild().id).code,
      );
    } finally {
      await other.close();
    }
  });
});

describe('REST: messages and DMs', () => {
  it('records allowed_mentions and computes who is really pinged', async () => {
    const g = sim.createGuild();
    const member = sim.createUser({ username: '@everyone' });
    sim.addMember(g.id, member.id);
    const content = `Welcome <@${member.id}> @everyone`;
    const message = await api.channels.createMessage(g.defaultChannelId, {
      content,
      allowed_mentions: { parse: [], users: [member.id] },
    });
    expect(message).toMatchObject({
      content,
      channel_id: g.defaultChannelId,
      mention_everyone: false,
    });
    const [stored] = sim.messages(g.defaultChannelId);
    expect(stored).toMatchObject({
      id: message.id,
      content,
      authorId: sim.botUser.id,
      allowedMentions: { parse: [], users: [member.id] },
      mentions: [member.id],
      mentionEveryone: false,
    });
    const unsafe = await api.channels.createMessage(g.defaultChannelId, {
      content: '@everyone hi',
    });
    expect(unsafe.mention_everyone).toBe(true);
    expect(
      sim.requests.filter((r) => r.routeKey === 'POST /channels/:id/messages').map((r) => r.body),
    ).toEqual([
      { content, allowed_mentions: { parse: [], users: [member.id] } },
      { content: '@everyone hi' },
    ]);
  });

  it("edits the bot's own message (PATCH): content and mentions change, an unknown one is 10008", async () => {
    const g = sim.createGuild();
    const member = sim.createUser();
    sim.addMember(g.id, member.id);
    const message = await api.channels.createMessage(g.defaultChannelId, {
      content: `Hi <@${member.id}>`,
      allowed_mentions: { parse: [], users: [member.id] },
    });
    const edited = await api.channels.editMessage(g.defaultChannelId, message.id, {
      content: `Hi <@${member.id}> (corrected) @everyone`,
      allowed_mentions: { parse: [], users: [] },
    });
    expect(edited.id).toBe(message.id);
    expect(sim.messages(g.defaultChannelId)).toHaveLength(1);
    expect(sim.messages(g.defaultChannelId)[0]).toMatchObject({
      content: `Hi <@${member.id}> (corrected) @everyone`,
      mentions: [],
      mentionEveryone: false,
    });
    expect(sim.messages(g.defaultChannelId)[0]!.editedAt).not.toBeNull();
    const missing = await apiError(
      api.channels.editMessage(g.defaultChannelId, '1234567890123456789', { content: 'x' }),
    );
    expect(missing.code).toBe(10008);
  });

  it('with nonce + enforce_nonce a repeat returns the original message', async () => {
    const g = sim.createGuild();
    const body = {
      content: 'Joined',
      nonce: 'join-42',
      enforce_nonce: true,
      embeds: [{ title: 't' }],
      flags: 4096,
    };
    const first = await api.channels.createMessage(g.defaultChannelId, body);
    const again = await api.channels.createMessage(g.defaultChannelId, body);
    expect(again.id).toBe(first.id);
    expect(sim.messages(g.defaultChannelId)).toHaveLength(1);
    expect(sim.messages(g.defaultChannelId)[0]).toMatchObject({
      nonce: 'join-42',
      embeds: [{ title: 't' }],
      flags: 4096,
    });
    // Without enforce_nonce the nonce does not deduplicate.
    await api.channels.createMessage(g.defaultChannelId, { content: 'x', nonce: 'join-42' });
    expect(sim.messages(g.defaultChannelId)).toHaveLength(2);
  });

  it('validates content length (50035) and permissions (50001 / 50013 via overwrites)', async () => {
    const g = sim.createGuild();
    const error = await apiError(
      api.channels.createMessage(g.defaultChannelId, { content: 'x'.repeat(2001) }),
    );
    expect(error.status).toBe(400);
    expect(error.code).toBe(50035);
    expect(error.rawError).toMatchObject({
      message: 'Invalid Form Body',
      errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } },
    });
    expect((await apiError(api.channels.createMessage(g.defaultChannelId, {}))).code).toBe(50006);

    const hidden = sim.createChannel(g.id, {
      name: 'hidden',
      overwrites: [{ id: g.everyoneRoleId, type: 0, allow: 0n, deny: P.ViewChannel }],
    });
    const muted = sim.createChannel(g.id, {
      name: 'muted',
      overwrites: [{ id: g.botRoleId, type: 0, allow: 0n, deny: P.SendMessages }],
    });
    // The bot role allows VIEW_CHANNEL, but @everyone's deny comes first and the role has no overwrite.
    expect((await apiError(api.channels.createMessage(hidden.id, { content: 'a' }))).code).toBe(
      50001,
    );
    expect((await apiError(api.channels.createMessage(muted.id, { content: 'a' }))).code).toBe(
      50013,
    );
    sim.setChannelOverwrites(muted.id, [
      { id: g.botRoleId, type: 0, allow: 0n, deny: P.SendMessages },
      { id: sim.botUser.id, type: 1, allow: P.SendMessages, deny: 0n },
    ]);
    await api.channels.createMessage(muted.id, { content: 'member overwrite wins' });
    expect(sim.messages(muted.id)).toHaveLength(1);
  });

  it('opens one DM channel per user and records 50007 when DMs are closed', async () => {
    const g = sim.createGuild();
    const open = sim.createUser();
    const closed = sim.createUser({ dmsClosed: true });
    const stranger = sim.createUser();
    sim.addMember(g.id, open.id);
    sim.addMember(g.id, closed.id);
    const dm1 = await api.users.createDM(open.id);
    const dm2 = await api.users.createDM(open.id);
    expect(dm2.id).toBe(dm1.id);
    expect(dm1).toMatchObject({ type: 1, recipients: [{ id: open.id }] });
    await api.channels.createMessage(dm1.id, { content: 'You invited someone!' });
    expect(sim.dms(open.id).map((m) => m.content)).toEqual(['You invited someone!']);

    const closedDm = await api.users.createDM(closed.id);
    const error = await apiError(api.channels.createMessage(closedDm.id, { content: 'hi' }));
    expect(error.status).toBe(403);
    expect(error.code).toBe(50007);
    expect(error.message).toBe('Cannot send messages to this user');
    const strangerDm = await api.users.createDM(stranger.id);
    expect(
      (await apiError(api.channels.createMessage(strangerDm.id, { content: 'hi' }))).code,
    ).toBe(50007);
    expect(sim.dmFailures.map((f) => [f.userId, f.reason])).toEqual([
      [closed.id, 'dms_closed'],
      [stranger.id, 'no_mutual_guild'],
    ]);
    expect(sim.dms(closed.id)).toEqual([]);
  });
});

describe('REST: application commands', () => {
  it('bulk-overwrites global and guild commands with stable ids', async () => {
    const g = sim.createGuild();
    const defs = [
      {
        name: 'invites',
        description: 'Invite stats',
        options: [{ type: 1, name: 'uebersicht', description: 'x' }],
      },
      { name: 'leaderboard', description: 'Top inviters' },
    ];
    const first = await api.applicationCommands.bulkOverwriteGlobalCommands(
      sim.applicationId,
      defs,
    );
    expect(first.map((c) => c.name)).toEqual(['invites', 'leaderboard']);
    expect(first[0]).toMatchObject({
      application_id: sim.applicationId,
      type: 1,
      description: 'Invite stats',
    });
    const second = await api.applicationCommands.bulkOverwriteGlobalCommands(sim.applicationId, [
      { name: 'leaderboard', description: 'Changed' },
      { name: 'config', description: 'New' },
    ]);
    expect(second.find((c) => c.name === 'leaderboard')?.id).toBe(first[1]?.id);
    expect(second.find((c) => c.name === 'leaderboard')?.version).not.toBe(first[1]?.version);
    expect(second.map((c) => c.name)).toEqual(['leaderboard', 'config']);
    expect(
      (await api.applicationCommands.getGlobalCommands(sim.applicationId)).map((c) => c.name),
    ).toEqual(['leaderboard', 'config']);
    const guildCmds = await api.applicationCommands.bulkOverwriteGuildCommands(
      sim.applicationId,
      g.id,
      [defs[0]!],
    );
    expect(guildCmds[0]).toMatchObject({ guild_id: g.id, name: 'invites' });
    expect(sim.commands(g.id).map((c) => c.name)).toEqual(['invites']);
    expect(sim.commands().map((c) => c.name)).toEqual(['leaderboard', 'config']);

    const bad = await apiError(
      api.applicationCommands.bulkOverwriteGlobalCommands(sim.applicationId, [
        { name: 'Bad Name', description: 'x' },
      ]),
    );
    expect(bad.code).toBe(50035);
  });
});
