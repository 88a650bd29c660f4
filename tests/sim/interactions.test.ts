import { DiscordAPIError } from '@discordjs/rest';
import { MessageFlags, PermissionFlagsBits as P } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimGuild, type Simulator, type SimUser } from './index';
import { data, startBot, type TestBot } from './helpers';

let sim: Simulator;
let bot: TestBot;
let guild: SimGuild;
let alice: SimUser;

beforeEach(async () => {
  sim = await startSimulator({ heartbeatIntervalMs: 1000 });
  guild = sim.createGuild({ locale: 'de' });
  alice = sim.createUser({ username: 'alice', locale: 'fr' });
  sim.addMember(guild.id, alice.id);
  bot = await startBot(sim);
  await bot.client.api.applicationCommands.bulkOverwriteGuildCommands(sim.applicationId, guild.id, [
    {
      name: 'invites',
      description: 'Invite stats',
      options: [
        { type: 1, name: 'uebersicht', description: 'Overview' },
        {
          type: 1,
          name: 'user',
          description: 'One user',
          options: [{ type: 6, name: 'who', description: 'Who' }],
        },
      ],
    },
  ]);
});

afterEach(async () => {
  await bot.destroy();
  await sim.close();
});

async function rejection(promise: Promise<unknown>): Promise<DiscordAPIError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiscordAPIError);
  return error as DiscordAPIError;
}

describe('interactions', () => {
  it('builds a realistic INTERACTION_CREATE (member.permissions, app_permissions, locales, resolved)', async () => {
    const bob = sim.createUser({ username: 'bob' });
    sim.addMember(guild.id, bob.id);
    const it1 = await sim.invokeCommand({
      userId: alice.id,
      guildId: guild.id,
      name: 'invites',
      options: [{ type: 1, name: 'user', options: [{ type: 6, name: 'who', value: bob.id }] }],
    });
    const event = await bot.waitForEvent((e) => e.t === 'INTERACTION_CREATE');
    const d = data(event);
    expect(event.s).toBe(it1.sequence);
    expect(d).toMatchObject({
      id: it1.id,
      token: it1.token,
      application_id: sim.applicationId,
      type: 2,
      guild_id: guild.id,
      channel_id: guild.defaultChannelId,
      locale: 'fr',
      guild_locale: 'de',
      context: 0,
      member: { user: { id: alice.id, username: 'alice' } },
      data: { name: 'invites', type: 1, guild_id: guild.id, id: sim.commands(guild.id)[0]?.id },
    });
    expect(String(d.token).length).toBeGreaterThanOrEqual(64);
    const perms = BigInt((d.member as { permissions: string }).permissions);
    expect(perms & P.SendMessages).toBe(P.SendMessages);
    expect(perms & P.ManageGuild).toBe(0n);
    expect(BigInt(d.app_permissions as string) & P.ManageGuild).toBe(P.ManageGuild);
    const resolved = (
      d.data as { resolved: { users: Record<string, unknown>; members: Record<string, unknown> } }
    ).resolved;
    expect(resolved.users[bob.id]).toMatchObject({ id: bob.id, username: 'bob' });
    expect(resolved.members[bob.id]).toMatchObject({ roles: [] });
    expect(resolved.members[bob.id]).not.toHaveProperty('user');
    expect(d).not.toHaveProperty('user');
  });

  it('replies within the deadline (204), then a second reply is 40060', async () => {
    const inter = await sim.invokeCommand({ userId: alice.id, guildId: guild.id, name: 'invites' });
    await bot.waitForEvent((e) => e.t === 'INTERACTION_CREATE');
    const result = await bot.client.api.interactions.reply(inter.id, inter.token, {
      content: 'Hello',
      flags: MessageFlags.Ephemeral,
    });
    expect(result).toBeUndefined();
    expect(sim.requests.at(-1)).toMatchObject({
      status: 204,
      auth: 'none',
      routeKey: 'POST /interactions/:id/:token/callback',
      interactionId: inter.id,
    });
    expect(sim.requests.at(-1)?.path).not.toContain(inter.token);
    const final = await inter.waitForFinal();
    expect(final).toMatchObject({ content: 'Hello', flags: MessageFlags.Ephemeral });
    expect(sim.messages(guild.defaultChannelId)).toEqual([]);
    const response = await inter.waitForResponse();
    expect(response).toMatchObject({ kind: 'callback', type: 4, data: { content: 'Hello' } });

    const again = await rejection(
      bot.client.api.interactions.reply(inter.id, inter.token, { content: 'again' }),
    );
    expect(again.status).toBe(400);
    expect(again.code).toBe(40060);
  });

  it('answers 10062 after the deadline', async () => {
    sim.setInteractionDeadline(50);
    const inter = await sim.invokeCommand({ userId: alice.id, guildId: guild.id, name: 'invites' });
    await new Promise((resolve) => setTimeout(resolve, 120));
    const late = await rejection(bot.client.api.interactions.defer(inter.id, inter.token));
    expect(late.status).toBe(404);
    expect(late.code).toBe(10062);
    expect(inter.responses).toEqual([]);
  });

  it('defer then edit @original: waitForFinal gives the edited content; with_response works', async () => {
    const inter = await sim.invokeCommand({ userId: alice.id, guildId: guild.id, name: 'invites' });
    const deferred = await bot.client.api.interactions.defer(inter.id, inter.token, {
      with_response: true,
    });
    expect(deferred).toMatchObject({
      interaction: {
        id: inter.id,
        response_message_loading: true,
        response_message_ephemeral: false,
      },
      resource: { type: 5 },
    });
    const pending = inter.waitForFinal(3000);
    const edited = await bot.client.api.interactions.editReply(sim.applicationId, inter.token, {
      content: 'Top inviters: alice',
      allowed_mentions: { parse: [] },
    });
    expect(edited.content).toBe('Top inviters: alice');
    const final = await pending;
    expect(final).toMatchObject({
      content: 'Top inviters: alice',
      flags: 0,
      interactionId: inter.id,
    });
    expect(sim.messages(guild.defaultChannelId).map((m) => m.content)).toEqual([
      'Top inviters: alice',
    ]);
    const original = await bot.client.api.interactions.getOriginalReply(
      sim.applicationId,
      inter.token,
    );
    expect(original.id).toBe(final.id);
    const follow = await bot.client.api.interactions.followUp(sim.applicationId, inter.token, {
      content: 'more',
    });
    expect(follow.content).toBe('more');
    expect(inter.responses.map((r) => [r.kind, r.type])).toEqual([
      ['callback', 5],
      ['edit', null],
      ['followup', null],
    ]);
  });

  it('the first follow-up after a defer replaces the loading message', async () => {
    const inter = await sim.invokeCommand({ userId: alice.id, guildId: guild.id, name: 'invites' });
    await bot.client.api.interactions.defer(inter.id, inter.token, {
      flags: MessageFlags.Ephemeral,
    });
    const msg = await bot.client.api.interactions.followUp(sim.applicationId, inter.token, {
      content: 'done',
    });
    expect((await inter.waitForFinal()).id).toBe(msg.id);
    expect(inter.followUps).toEqual([]);
  });

  it('callback types 6 and 7 are accepted; unknown types are 50035', async () => {
    const a = await sim.invokeCommand({ userId: alice.id, guildId: guild.id, name: 'invites' });
    await bot.client.api.interactions.deferMessageUpdate(a.id, a.token);
    expect(a.responses[0]?.type).toBe(6);
    const b = await sim.invokeCommand({ userId: alice.id, guildId: guild.id, name: 'invites' });
    await bot.client.api.interactions.updateMessage(b.id, b.token, { content: 'updated' });
    expect((await b.waitForFinal()).content).toBe('updated');
    const c = await sim.invokeCommand({ userId: alice.id, guildId: guild.id, name: 'invites' });
    const res = await fetch(`${sim.api}/v10/interactions/${c.id}/${c.token}/callback`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 3 }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: number }).code).toBe(50035);
  });

  it('in DMs the payload has `user`, no member and no guild_id, and goes to shard 0', async () => {
    const inter = await sim.invokeCommand({ userId: alice.id, name: 'invites' });
    const event = await bot.waitForEvent((e) => e.t === 'INTERACTION_CREATE');
    const d = data(event);
    expect(event.shardId).toBe(0);
    expect(d).toMatchObject({ id: inter.id, user: { id: alice.id }, context: 1 });
    expect(d).not.toHaveProperty('member');
    expect(d).not.toHaveProperty('guild_id');
    await bot.client.api.interactions.reply(inter.id, inter.token, { content: 'hi in DM' });
    expect((await inter.waitForFinal()).content).toBe('hi in DM');
  });
});
