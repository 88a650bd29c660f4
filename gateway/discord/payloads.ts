/**
 * Shapes of the gateway dispatches we act on, validated before use: a malformed payload is logged
 * and counted, never trusted and never allowed to crash the process. Only the fields we read are
 * checked; Discord may add others.
 */
import { z } from 'zod';

const snowflake = z.string().regex(/^\d{1,20}$/);
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a timestamp');

export const userSchema = z.object({
  id: snowflake,
  username: z.string(),
  global_name: z.string().nullish(),
  avatar: z.string().nullish(),
  bot: z.boolean().optional(),
});

export const guildCreateSchema = z.object({
  id: snowflake,
  name: z.string(),
  icon: z.string().nullish(),
  owner_id: snowflake.nullish(),
  features: z.array(z.string()).default([]),
  roles: z.array(z.object({ id: snowflake, permissions: z.string() })).default([]),
  members: z
    .array(z.object({ user: z.object({ id: snowflake }), roles: z.array(snowflake) }))
    .default([]),
  member_count: z.number().int().nonnegative().optional(),
  unavailable: z.boolean().optional(),
});

export const guildUpdateSchema = guildCreateSchema.pick({
  id: true,
  name: true,
  icon: true,
  owner_id: true,
  features: true,
});

export const guildDeleteSchema = z.object({ id: snowflake, unavailable: z.boolean().optional() });

export const memberAddSchema = z.object({
  guild_id: snowflake,
  user: userSchema,
  joined_at: isoTime,
});

export const memberRemoveSchema = z.object({
  guild_id: snowflake,
  user: z.object({ id: snowflake }),
});

export const inviteCreateSchema = z.object({
  guild_id: snowflake,
  code: z.string().min(1).max(64),
  channel_id: snowflake.nullish(),
  inviter: userSchema.nullish(),
  uses: z.number().int().nonnegative().default(0),
  max_uses: z.number().int().nonnegative().default(0),
  max_age: z.number().int().nonnegative().default(0),
  temporary: z.boolean().default(false),
  created_at: isoTime.nullish(),
  expires_at: isoTime.nullish(),
});

export const inviteDeleteSchema = z.object({
  guild_id: snowflake,
  code: z.string().min(1).max(64),
});

/** A role was created, changed or deleted (only the guild matters: permissions may have changed). */
export const roleChangeSchema = z.object({ guild_id: snowflake });

/** A member's roles or nickname changed: the bot's own roles (permissions), a member's (required role). */
export const memberUpdateSchema = z.object({
  guild_id: snowflake,
  user: z.object({ id: snowflake }),
  roles: z.array(snowflake).default([]),
});

const commandOption = z.object({
  name: z.string(),
  type: z.number(),
  value: z.unknown().optional(),
});

export const interactionSchema = z.object({
  id: snowflake,
  application_id: snowflake,
  type: z.number(),
  // Part of the reply's URL path: only the characters Discord's tokens have.
  token: z.string().regex(/^[\w:-]{1,500}$/),
  guild_id: snowflake.optional(),
  locale: z.string().optional(),
  guild_locale: z.string().optional(),
  member: z
    .object({
      user: userSchema.partial().required({ id: true }),
      // The member's permissions in the channel, as Discord computed them (decimal bitfield).
      permissions: z
        .string()
        .regex(/^\d{1,30}$/)
        .optional(),
    })
    .optional(),
  user: userSchema.partial().required({ id: true }).optional(),
  data: z
    .object({
      name: z.string(),
      options: z
        .array(commandOption.extend({ options: z.array(commandOption).optional() }))
        .optional(),
    })
    .optional(),
});

export type GuildCreate = z.infer<typeof guildCreateSchema>;
export type DiscordUser = z.infer<typeof userSchema>;
export type Interaction = z.infer<typeof interactionSchema>;

/** The dispatches we handle, by event name, with their validated payloads. */
export const EVENT_SCHEMAS = {
  GUILD_CREATE: guildCreateSchema,
  GUILD_UPDATE: guildUpdateSchema,
  GUILD_DELETE: guildDeleteSchema,
  GUILD_MEMBER_ADD: memberAddSchema,
  GUILD_MEMBER_REMOVE: memberRemoveSchema,
  INVITE_CREATE: inviteCreateSchema,
  INVITE_DELETE: inviteDeleteSchema,
  INTERACTION_CREATE: interactionSchema,
  GUILD_ROLE_CREATE: roleChangeSchema,
  GUILD_ROLE_UPDATE: roleChangeSchema,
  GUILD_ROLE_DELETE: roleChangeSchema,
  GUILD_MEMBER_UPDATE: memberUpdateSchema,
} as const;

export type EventName = keyof typeof EVENT_SCHEMAS;
export type EventPayloads = { [E in EventName]: z.infer<(typeof EVENT_SCHEMAS)[E]> };

/** When an invite expires: `expires_at` if given, else created_at + max_age (0 = never). */
export function inviteExpiry(invite: {
  max_age: number;
  created_at?: string | null;
  expires_at?: string | null;
}): number | null {
  if (invite.expires_at) return Date.parse(invite.expires_at);
  if (invite.max_age > 0 && invite.created_at)
    return Date.parse(invite.created_at) + invite.max_age * 1000;
  return null;
}
