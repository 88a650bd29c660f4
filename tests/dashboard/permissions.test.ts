import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import {
  ALL_PERMISSIONS,
  basePermissions,
  channelPermissions,
} from '../../dashboard/src/lib/server/discord/permissions';
import { diagnose, hasProblems } from '../../dashboard/src/lib/server/guilds/doctor';
import { accessFor, canManageGuild } from '../../dashboard/src/lib/server/guilds/access';
import { BOT_PERMISSIONS, botInviteUrl } from '../../dashboard/src/lib/server/guilds/invite-link';

const bits = (b: bigint) => b.toString();

describe('who may manage a guild', () => {
  it('owner, ADMINISTRATOR or MANAGE_GUILD may; anyone else may not', () => {
    expect(canManageGuild({ owner: true, permissions: '0' })).toBe(true);
    expect(canManageGuild({ owner: false, permissions: bits(P.Administrator) })).toBe(true);
    expect(
      canManageGuild({ owner: false, permissions: bits(P.ManageGuild | P.SendMessages) }),
    ).toBe(true);
    expect(
      canManageGuild({
        owner: false,
        permissions: bits(P.ManageChannels | P.KickMembers | P.ManageRoles),
      }),
    ).toBe(false);
    expect(canManageGuild({ owner: false, permissions: '0' })).toBe(false);
    expect(canManageGuild({ owner: false, permissions: 'not a number' })).toBe(false);
  });

  it('a guild missing from the user list is not manageable', () => {
    const guilds = [
      { id: '1', name: 'A', icon: null, owner: false, permissions: bits(P.ManageGuild) },
    ];
    expect(accessFor(guilds, '1').canManage).toBe(true);
    expect(accessFor(guilds, '2')).toEqual({ guild: null, canManage: false });
  });
});

describe('permission arithmetic', () => {
  const guildId = '10';
  const roles = [
    { id: guildId, permissions: bits(P.ViewChannel | P.SendMessages) },
    { id: 'bot', permissions: bits(P.ManageGuild) },
    { id: 'admin', permissions: bits(P.Administrator) },
  ];

  it('adds role permissions to @everyone; owner and ADMINISTRATOR get all', () => {
    const base = basePermissions({
      guildId,
      ownerId: 'o',
      userId: 'u',
      roles,
      memberRoleIds: ['bot'],
    });
    expect(base).toBe(P.ViewChannel | P.SendMessages | P.ManageGuild);
    expect(basePermissions({ guildId, ownerId: 'u', userId: 'u', roles, memberRoleIds: [] })).toBe(
      ALL_PERMISSIONS,
    );
    expect(
      basePermissions({ guildId, ownerId: 'o', userId: 'u', roles, memberRoleIds: ['admin'] }),
    ).toBe(ALL_PERMISSIONS);
  });

  it('applies overwrites: @everyone, then roles together, then the member', () => {
    const base = P.ViewChannel | P.SendMessages;
    const input = { guildId, userId: 'u', memberRoleIds: ['bot'] };
    const denyEveryoneSend = [{ id: guildId, type: 0, allow: '0', deny: bits(P.SendMessages) }];
    expect(
      channelPermissions(base, { ...input, overwrites: denyEveryoneSend }) & P.SendMessages,
    ).toBe(0n);
    const roleAllows = [
      ...denyEveryoneSend,
      { id: 'bot', type: 0, allow: bits(P.SendMessages), deny: '0' },
    ];
    expect(channelPermissions(base, { ...input, overwrites: roleAllows }) & P.SendMessages).toBe(
      P.SendMessages,
    );
    const memberDenies = [
      ...roleAllows,
      { id: 'u', type: 1, allow: '0', deny: bits(P.SendMessages) },
    ];
    expect(channelPermissions(base, { ...input, overwrites: memberDenies }) & P.SendMessages).toBe(
      0n,
    );
    const hidden = [{ id: guildId, type: 0, allow: '0', deny: bits(P.ViewChannel) }];
    expect(channelPermissions(base, { ...input, overwrites: hidden })).toBe(0n);
    expect(channelPermissions(ALL_PERMISSIONS, { ...input, overwrites: hidden })).toBe(
      ALL_PERMISSIONS,
    );
  });
});

describe('permission doctor', () => {
  const all = P.ManageGuild | P.ManageChannels | P.ViewAuditLog | P.ViewChannel | P.SendMessages;
  const status = (checks: ReturnType<typeof diagnose>) =>
    Object.fromEntries(checks.map((c) => [c.id, c.status]));

  it('is happy when everything is there', () => {
    const checks = diagnose({
      guildPermissions: all,
      source: 'discord',
      logChannel: {
        id: '5',
        found: true,
        name: 'log',
        permissions: P.ViewChannel | P.SendMessages,
      },
    });
    expect(status(checks)).toEqual({
      manage_guild: 'ok',
      manage_channels: 'ok',
      view_audit_log: 'ok',
      log_channel: 'ok',
    });
    expect(hasProblems(checks)).toBe(false);
  });

  it('lists what fair play needs: the required role seen by the bot and below its role', () => {
    const base = {
      guildPermissions: all,
      source: 'discord' as const,
      logChannel: null,
    };
    const role = (requiredRole: Parameters<typeof diagnose>[0]['requiredRole']) =>
      diagnose({ ...base, requiredRole }).find((c) => c.id === 'required_role');
    expect(role(null)).toBeUndefined();
    expect(role({ found: true, name: 'Verified', belowBot: true })).toMatchObject({
      status: 'ok',
      roleName: 'Verified',
    });
    expect(role({ found: true, name: 'Mods', belowBot: false })?.status).toBe('above');
    expect(role({ found: false, name: null, belowBot: null })?.status).toBe('gone');
    expect(role({ found: null, name: null, belowBot: null })?.status).toBe('unknown');
    expect(
      hasProblems(diagnose({ ...base, requiredRole: { found: true, name: 'M', belowBot: false } })),
    ).toBe(true);
    // No check asks for Manage Roles: the bot never assigns the role.
    expect(
      diagnose({ ...base, requiredRole: { found: true, name: 'V', belowBot: true } }).map(
        (c) => c.id,
      ),
    ).not.toContain('manage_roles');
  });

  it('names each missing permission', () => {
    const checks = diagnose({
      guildPermissions: P.ViewChannel,
      source: 'discord',
      logChannel: { id: '5', found: true, name: 'log', permissions: P.ViewChannel },
    });
    expect(status(checks)).toEqual({
      manage_guild: 'missing',
      manage_channels: 'missing',
      view_audit_log: 'missing',
      log_channel: 'no_send',
    });
    expect(hasProblems(checks)).toBe(true);
  });

  it('reports a hidden or deleted log channel, an unset one, and unknown permissions', () => {
    const base = { guildPermissions: all, source: 'discord' as const };
    expect(
      status(
        diagnose({ ...base, logChannel: { id: '5', found: true, name: 'x', permissions: 0n } }),
      ).log_channel,
    ).toBe('no_view');
    expect(
      status(
        diagnose({ ...base, logChannel: { id: '5', found: false, name: null, permissions: null } }),
      ).log_channel,
    ).toBe('gone');
    expect(status(diagnose({ ...base, logChannel: null })).log_channel).toBe('off');
    const unknown = diagnose({
      guildPermissions: null,
      source: 'none',
      logChannel: { id: '5', found: null, name: null, permissions: null },
    });
    expect(status(unknown)).toEqual({
      manage_guild: 'unknown',
      manage_channels: 'unknown',
      view_audit_log: 'unknown',
      log_channel: 'unknown',
    });
    expect(hasProblems(unknown)).toBe(false);
  });

  it('treats ADMINISTRATOR as every permission', () => {
    expect(
      hasProblems(
        diagnose({ guildPermissions: P.Administrator, source: 'stored', logChannel: null }),
      ),
    ).toBe(false);
  });
});

describe('bot invite link', () => {
  it('asks for the bot and commands scopes with the needed permissions for that guild', () => {
    const url = new URL(botInviteUrl('https://discord.com/oauth2/authorize', '123', '456'));
    expect(url.searchParams.get('client_id')).toBe('123');
    expect(url.searchParams.get('scope')).toBe('bot applications.commands');
    expect(url.searchParams.get('guild_id')).toBe('456');
    const perms = BigInt(url.searchParams.get('permissions')!);
    expect(perms).toBe(BOT_PERMISSIONS);
    for (const bit of [
      P.ViewChannel,
      P.SendMessages,
      P.EmbedLinks,
      P.ManageGuild,
      P.ManageChannels,
      P.ViewAuditLog,
    ]) {
      expect(perms & bit).toBe(bit);
    }
    expect(perms & P.Administrator).toBe(0n);
    expect(url.toString()).toContain('scope=bot%20applications.commands');
  });

  it('reward roles (only with tiers): Manage Roles, assignable roles, refusals Discord recorded', () => {
    const all = P.ManageGuild | P.ManageChannels | P.ViewAuditLog;
    const base = {
      guildPermissions: all | P.ManageRoles,
      source: 'discord' as const,
      logChannel: null,
    };
    const ok = { found: true, name: 'Recruiter', assignable: true };
    const check = (
      rewardRoles: Parameters<typeof diagnose>[0]['rewardRoles'],
      perms: bigint | null = base.guildPermissions,
    ) =>
      diagnose({ ...base, guildPermissions: perms, rewardRoles }).find(
        (c) => c.id === 'reward_roles',
      );
    expect(check(null)).toBeUndefined();
    expect(check({ roles: [ok], failed: 0, lastError: null })?.status).toBe('ok');
    expect(check({ roles: [ok], failed: 0, lastError: null }, all)?.status).toBe('missing');
    expect(
      check({
        roles: [ok, { found: true, name: 'Admins', assignable: false }],
        failed: 0,
        lastError: null,
      }),
    ).toMatchObject({ status: 'above', roleName: 'Admins' });
    expect(
      check({
        roles: [{ found: false, name: null, assignable: false }],
        failed: 0,
        lastError: null,
      })?.status,
    ).toBe('gone');
    expect(check({ roles: [ok], failed: 3, lastError: '50013 Missing Permissions' })).toMatchObject(
      {
        status: 'failed',
        failed: 3,
        error: '50013 Missing Permissions',
      },
    );
    expect(check({ roles: null, failed: 0, lastError: null }, null)?.status).toBe('unknown');
    expect(
      hasProblems(diagnose({ ...base, rewardRoles: { roles: [ok], failed: 1, lastError: 'x' } })),
    ).toBe(true);
    expect(
      hasProblems(diagnose({ ...base, rewardRoles: { roles: [ok], failed: 0, lastError: null } })),
    ).toBe(false);
  });
});
