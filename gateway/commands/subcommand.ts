/** The interface every /invites subcommand implements; interactions.ts looks them up by name. */
import type { APIApplicationCommandSubcommandOption } from 'discord-api-types/v10';
import type { Locale } from '../../db/schema';
import type { Interaction } from '../discord/payloads';
import type { GuildRegistry } from '../guilds/registry';
import type { PersonalLinks } from './personal-link';
import type { CommandQueries } from './queries';
import type { ReplyBody } from './reply';

export type SubcommandInput = {
  locale: Locale;
  guildId: string;
  /** Who used the command. */
  userId: string;
  /** The interaction's id: the request id of a write, so a replayed interaction changes nothing. */
  interactionId: string;
  /** The caller's permissions as the interaction reports them (null: not given, e.g. in a DM). */
  memberPermissions: bigint | null;
  options: NonNullable<NonNullable<Interaction['data']>['options']>[number]['options'];
  registry: GuildRegistry;
  queries: CommandQueries;
  /** `/invites link`: the member's personal invite (REST + database). */
  links: Pick<PersonalLinks, 'get'>;
  now: number;
};

export type Subcommand = {
  /** As registered with Discord (German, with English localizations). */
  definition: APIApplicationCommandSubcommandOption;
  /** Only the user who asked sees the answer. */
  ephemeral: boolean;
  /** The answer (may read the database: the reply defers when it is slow). */
  run: (input: SubcommandInput) => ReplyBody | Promise<ReplyBody>;
};

export const en = (value: string) => ({ 'en-US': value, 'en-GB': value });

export const EMBED_COLOR = 0x5865f2;
