import { API } from '@discordjs/core';
import { DiscordAPIError, REST } from '@discordjs/rest';
import { AuditLogEvent, PermissionFlagsBits as P } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './index';

let sim: Simulator;
let api: API;

beforeEach(async () => {
  sim = await startSimulator();
  api = new API(new REST({ api: sim.api, offset: 0 }).setToken(sim.token));
});
afterEach(() => sim.close());

describe('audit log (invite deletions)', () => {
  it('records who deleted an invite, but nothing for used-up or expired invites', async () => {
    const guild = sim.createGuild({
      botPermissions: P.ViewAuditLog | P.ManageGuild | P.ViewChannel,
    });
    const inviter = sim.createUser();
    sim.addMember(guild.id, inviter.id);
    const revoked = sim.createInvite(guild.id, { inviterId: inviter.id });
    const usedUp = sim.createInvite(guild.id, { inviterId: inviter.id, maxUses: 1 });
    const expired = sim.createInvite(guild.id, { inviterId: inviter.id, maxAge: 60 });
    sim.deleteInvite(revoked.code, inviter.id);
    await sim.join(guild.id, sim.createUser().id, { code: usedUp.code });
    sim.expireInvite(expired.code);

    const log = await api.guilds.getAuditLogs(guild.id, {
      action_type: AuditLogEvent.InviteDelete,
    });
    expect(log.audit_log_entries).toHaveLength(1);
    expect(log.audit_log_entries[0]).toMatchObject({ action_type: 42, user_id: inviter.id });
    expect(log.audit_log_entries[0]!.changes).toContainEqual({
      key: 'code',
      old_value: revoked.code,
    });
  });

  it('answers 50013 without VIEW_AUDIT_LOG', async () => {
    const guild = sim.createGuild();
    const error = await api.guilds.getAuditLogs(guild.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).code).toBe(50013);
  });
});
