/**
 * The naive baseline: what ManageInvite and discord-invites-tracker do. On every join it fetches the
 * invites (no lock, no batching) and takes the first code whose uses went up compared with its
 * cache, then replaces the cache with the fetched list. Same packages as ours, no database.
 */
import { API } from '@discordjs/core';
import { REST } from '@discordjs/rest';
import { WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';
import { GatewayIntentBits, type GatewayDispatchPayload } from 'discord-api-types/v10';

export type NaiveDecision = { code: string | null; decidedAt: number };

export async function startNaiveTracker(options: { api: string; token: string }) {
  const rest = new REST({ api: options.api, offset: 0 }).setToken(options.token);
  const api = new API(rest);
  const caches = new Map<string, Map<string, number>>();
  const decisions = new Map<string, NaiveDecision>();
  let fetches = 0;
  const fetchUses = async (guildId: string) => {
    fetches += 1;
    const invites = await api.guilds.getInvites(guildId);
    return new Map(invites.map((i) => [i.code, i.uses]));
  };
  const manager = new WebSocketManager({
    token: options.token,
    rest,
    intents:
      GatewayIntentBits.Guilds | GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildInvites,
    buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }),
  });
  manager.on(WebSocketShardEvents.Error, () => {});
  manager.on(WebSocketShardEvents.Dispatch, (payload: GatewayDispatchPayload) => {
    if (payload.t === 'GUILD_CREATE') {
      void fetchUses(payload.d.id).then((uses) => caches.set(payload.d.id, uses));
    } else if (payload.t === 'GUILD_MEMBER_ADD') {
      const { guild_id: guildId, user } = payload.d;
      if (!user) return;
      void fetchUses(guildId)
        .then((fresh) => {
          const cached = caches.get(guildId) ?? new Map<string, number>();
          let used: string | null = null;
          for (const [code, uses] of fresh) {
            if ((cached.get(code) ?? 0) < uses) {
              used = code;
              break;
            }
          }
          caches.set(guildId, fresh);
          decisions.set(`${guildId}:${user.id}`, { code: used, decidedAt: Date.now() });
        })
        .catch(() => {});
    }
  });
  await manager.connect();
  return {
    decisions,
    fetches: () => fetches,
    primed: (guildIds: string[]) => guildIds.every((id) => caches.has(id)),
    stop: () => manager.destroy(),
  };
}
