/** The "add the bot" link for a guild where the bot is missing (pure). */
import { PermissionFlagsBits as P } from 'discord-api-types/v10';

/** What the bot needs: see channels, post the log, read invites (Manage Server), invite events
 * (Manage Channels), confirm used-up invites (View Audit Log). */
export const BOT_PERMISSIONS =
  P.ViewChannel | P.SendMessages | P.EmbedLinks | P.ManageGuild | P.ManageChannels | P.ViewAuditLog;

export function botInviteUrl(authorizeUrl: string, clientId: string, guildId: string): string {
  const url = new URL(authorizeUrl);
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('scope', 'bot applications.commands');
  url.searchParams.set('permissions', BOT_PERMISSIONS.toString());
  url.searchParams.set('guild_id', guildId);
  url.searchParams.set('disable_guild_select', 'true');
  return url
    .toString()
    .replace(/scope=bot\+applications\.commands/, 'scope=bot%20applications.commands');
}
