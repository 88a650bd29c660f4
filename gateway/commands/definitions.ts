/**
 * The /invites command as registered with Discord: German names (what our users know) with English
 * localizations of names and descriptions, one subcommand per module. Guild-only.
 */
import {
  ApplicationCommandType,
  InteractionContextType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import { en, type Subcommand } from './subcommand';
import { bonus } from './subcommands/bonus';
import { leaderboard } from './subcommands/leaderboard';
import { link } from './subcommands/link';
import { overview } from './subcommands/overview';
import { who } from './subcommands/who';

export const COMMAND_NAME = 'invites';

/** The subcommands by their registered (German) name. */
export const SUBCOMMANDS: ReadonlyMap<string, Subcommand> = new Map(
  [overview, leaderboard, who, bonus, link].map((sub) => [sub.definition.name, sub]),
);

export const COMMAND_DEFINITIONS: RESTPostAPIChatInputApplicationCommandsJSONBody[] = [
  {
    type: ApplicationCommandType.ChatInput,
    name: COMMAND_NAME,
    description: 'Einladungen in diesem Server',
    description_localizations: en('Invites in this server'),
    contexts: [InteractionContextType.Guild],
    options: [...SUBCOMMANDS.values()].map((sub) => sub.definition),
  },
];
