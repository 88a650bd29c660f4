/**
 * Discord REST with the bot token (@discordjs/rest + @discordjs/core's API), for what only the bot
 * can see: a guild's channels, roles and the bot's own member. Results are cached briefly (30 s)
 * per guild so page loads stay fast; concurrent misses share one request.
 */
import { API } from '@discordjs/core/http-only';
import { REST } from '@discordjs/rest';
import type { APIGuildMember, APIRole } from 'discord-api-types/v10';
import type { DashboardConfig } from '../config';

const TTL_MS = 30_000;

/** What the dashboard uses of a guild channel. */
export type GuildChannelInfo = {
  id: string;
  name: string;
  type: number;
  position: number;
  overwrites: { id: string; type: number; allow: string; deny: string }[];
};

type Entry<T> = { at: number; value: Promise<T> };

export class BotApi {
  readonly api: API;
  readonly #rest: REST;
  readonly #cache = new Map<string, Entry<unknown>>();
  #botId: Promise<string> | null = null;

  constructor(config: Pick<DashboardConfig, 'apiBase' | 'botToken'>) {
    this.#rest = new REST({ api: config.apiBase, version: '10', timeout: 5000, retries: 1 });
    this.#rest.setToken(config.botToken);
    this.api = new API(this.#rest);
  }

  #cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.#cache.get(key) as Entry<T> | undefined;
    if (hit && now - hit.at < TTL_MS) return hit.value;
    const value = load();
    this.#cache.set(key, { at: now, value });
    value.catch(() => this.#cache.delete(key));
    if (this.#cache.size > 5000) {
      for (const [k, e] of this.#cache) if (now - e.at >= TTL_MS) this.#cache.delete(k);
    }
    return value;
  }

  botUserId(): Promise<string> {
    this.#botId ??= this.api.users.getCurrent().then((u) => u.id);
    this.#botId.catch(() => (this.#botId = null));
    return this.#botId;
  }

  channels(guildId: string): Promise<GuildChannelInfo[]> {
    return this.#cached(`channels:${guildId}`, async () => {
      const list = await this.api.guilds.getChannels(guildId);
      return list.map((c) => {
        const raw = c as {
          id: string;
          type: number;
          name?: string | null;
          position?: number;
          permission_overwrites?: { id: string; type: number; allow: string; deny: string }[];
        };
        return {
          id: raw.id,
          name: raw.name ?? raw.id,
          type: raw.type,
          position: raw.position ?? 0,
          overwrites: (raw.permission_overwrites ?? []).map((o) => ({
            id: o.id,
            type: o.type,
            allow: o.allow,
            deny: o.deny,
          })),
        };
      });
    });
  }

  roles(guildId: string): Promise<APIRole[]> {
    return this.#cached(`roles:${guildId}`, () => this.api.guilds.getRoles(guildId));
  }

  botMember(guildId: string): Promise<APIGuildMember> {
    return this.#cached(`member:${guildId}`, async () =>
      this.api.guilds.getMember(guildId, await this.botUserId()),
    );
  }

  forgetGuild(guildId: string): void {
    for (const kind of ['channels', 'roles', 'member']) this.#cache.delete(`${kind}:${guildId}`);
  }

  destroy(): void {
    this.#rest.clearHashSweeper();
    this.#rest.clearHandlerSweeper();
  }
}

let instance: BotApi | null = null;

export function getBotApi(config: Pick<DashboardConfig, 'apiBase' | 'botToken'>): BotApi {
  instance ??= new BotApi(config);
  return instance;
}

/** Channel types the bot can post an invite log to: text and announcement channels. */
export const LOG_CHANNEL_TYPES: readonly number[] = [0, 5];
