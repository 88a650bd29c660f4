/**
 * The simulated world: plain mutable records plus lookups. No I/O here; gateway, REST and the
 * scenario API read and change these records and take care of events themselves.
 */
import type { SimMessage } from './types';

export class SimError extends Error {
  override name = 'SimError';
}

export type UserRec = {
  id: string;
  username: string;
  globalName: string | null;
  /** Avatar hash (null: Discord's default avatar). */
  avatar: string | null;
  bot: boolean;
  dmsClosed: boolean;
  locale: string;
};

export type RoleRec = {
  id: string;
  guildId: string;
  name: string;
  permissions: bigint;
  position: number;
  managed: boolean;
  /** The bot's managed role carries tags.bot_id. */
  botId: string | null;
};

export type OverwriteRec = { id: string; type: 0 | 1; allow: bigint; deny: bigint };

export type ChannelRec = {
  id: string;
  guildId: string | null;
  type: number;
  name: string;
  position: number;
  parentId: string | null;
  overwrites: OverwriteRec[];
  topic: string | null;
  nsfw: boolean;
  /** DM channels only. */
  recipientId: string | null;
  lastMessageId: string | null;
};

export type MemberRec = {
  userId: string;
  roles: string[];
  joinedAt: string;
  temporary: boolean;
  flags: number;
};

export type GuildRec = {
  id: string;
  name: string;
  ownerId: string;
  features: string[];
  vanityCode: string | null;
  vanityUses: number;
  locale: string;
  unavailable: boolean;
  botPresent: boolean;
  everyoneRoleId: string;
  botRoleId: string;
  defaultChannelId: string;
  roles: Map<string, RoleRec>;
  channelIds: string[];
  members: Map<string, MemberRec>;
  /** Users who were members before: a rejoin sets DID_REJOIN (flags & 1). */
  pastMembers: Set<string>;
};

export type InviteRec = {
  code: string;
  guildId: string;
  channelId: string;
  inviterId: string | null;
  uses: number;
  maxUses: number;
  maxAge: number;
  temporary: boolean;
  createdAtMs: number;
  /** Joins in flight that will use this invite (so a max-uses invite is not over-used). */
  reserved: number;
};

export type CommandRec = {
  id: string;
  applicationId: string;
  guildId: string | null;
  version: string;
  type: number;
  name: string;
  payload: Record<string, unknown>;
};

/** An audit-log entry; only invite deletions (action 42) are modelled. */
export type AuditEntryRec = {
  id: string;
  guildId: string;
  actionType: number;
  userId: string;
  changes: { key: string; old_value?: unknown; new_value?: unknown }[];
};

export class World {
  readonly users = new Map<string, UserRec>();
  /** Audit-log entries per guild, oldest first. */
  readonly auditLog = new Map<string, AuditEntryRec[]>();
  readonly guilds = new Map<string, GuildRec>();
  readonly channels = new Map<string, ChannelRec>();
  /** Every live invite by code; change it only through addInvite/removeInvite (keeps the index). */
  readonly invites = new Map<string, InviteRec>();
  readonly #inviteCodesByGuild = new Map<string, Set<string>>();
  readonly messages = new Map<string, SimMessage[]>();
  readonly dmChannelByUser = new Map<string, string>();
  globalCommands: CommandRec[] = [];
  readonly guildCommands = new Map<string, CommandRec[]>();

  user(id: string): UserRec {
    const user = this.users.get(id);
    if (!user) throw new SimError(`unknown user ${id}`);
    return user;
  }

  guild(id: string): GuildRec {
    const guild = this.guilds.get(id);
    if (!guild) throw new SimError(`unknown guild ${id}`);
    return guild;
  }

  channel(id: string): ChannelRec {
    const channel = this.channels.get(id);
    if (!channel) throw new SimError(`unknown channel ${id}`);
    return channel;
  }

  role(guildId: string, roleId: string): RoleRec {
    const role = this.guild(guildId).roles.get(roleId);
    if (!role) throw new SimError(`unknown role ${roleId} in guild ${guildId}`);
    return role;
  }

  member(guildId: string, userId: string): MemberRec {
    const member = this.guild(guildId).members.get(userId);
    if (!member) throw new SimError(`user ${userId} is not a member of guild ${guildId}`);
    return member;
  }

  guildChannels(guild: GuildRec): ChannelRec[] {
    return guild.channelIds.flatMap((id) => {
      const channel = this.channels.get(id);
      return channel ? [channel] : [];
    });
  }

  addInvite(invite: InviteRec): void {
    this.invites.set(invite.code, invite);
    let codes = this.#inviteCodesByGuild.get(invite.guildId);
    if (!codes) {
      codes = new Set();
      this.#inviteCodesByGuild.set(invite.guildId, codes);
    }
    codes.add(invite.code);
  }

  removeInvite(code: string): void {
    const invite = this.invites.get(code);
    if (!invite) return;
    this.invites.delete(code);
    this.#inviteCodesByGuild.get(invite.guildId)?.delete(code);
  }

  /**
   * The invite if it still exists. Expired invites are dropped here, silently, the first time
   * anyone looks at them: Discord sends no INVITE_DELETE for expiry.
   */
  liveInvite(code: string, now = Date.now()): InviteRec | undefined {
    const invite = this.invites.get(code);
    if (!invite) return undefined;
    if (invite.maxAge > 0 && now >= invite.createdAtMs + invite.maxAge * 1000) {
      this.removeInvite(code);
      return undefined;
    }
    return invite;
  }

  guildInvites(guildId: string, now = Date.now()): InviteRec[] {
    const out: InviteRec[] = [];
    for (const code of [...(this.#inviteCodesByGuild.get(guildId) ?? [])]) {
      const invite = this.liveInvite(code, now);
      if (invite) out.push(invite);
    }
    return out;
  }

  /** Whether the bot shares a guild with the user (Discord refuses bot DMs otherwise). */
  sharesGuildWithBot(userId: string): boolean {
    for (const guild of this.guilds.values()) {
      if (guild.botPresent && guild.members.has(userId)) return true;
    }
    return false;
  }

  channelMessages(channelId: string): SimMessage[] {
    let list = this.messages.get(channelId);
    if (!list) {
      list = [];
      this.messages.set(channelId, list);
    }
    return list;
  }
}
