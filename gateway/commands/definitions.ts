/**
 * The /invites command as registered with Discord: German names (what our users know) with English
 * localizations of names and descriptions. Guild-only.
 */
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  InteractionContextType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord-api-types/v10';

export const COMMAND_NAME = 'invites';
export const SUBCOMMANDS = {
  overview: 'uebersicht',
  leaderboard: 'rangliste',
  who: 'wer',
} as const;

const en = (value: string) => ({ 'en-US': value, 'en-GB': value });

export const COMMAND_DEFINITIONS: RESTPostAPIChatInputApplicationCommandsJSONBody[] = [
  {
    type: ApplicationCommandType.ChatInput,
    name: COMMAND_NAME,
    description: 'Einladungen in diesem Server',
    description_localizations: en('Invites in this server'),
    contexts: [InteractionContextType.Guild],
    options: [
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: SUBCOMMANDS.overview,
        name_localizations: en('overview'),
        description: 'Deine aktiven Einladungslinks mit ihren Nutzungen',
        description_localizations: en('Your active invite links with their uses'),
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: SUBCOMMANDS.leaderboard,
        name_localizations: en('leaderboard'),
        description: 'Wer die meisten Mitglieder eingeladen hat',
        description_localizations: en('Who invited the most members'),
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: SUBCOMMANDS.who,
        name_localizations: en('who'),
        description: 'Wer ein Mitglied eingeladen hat',
        description_localizations: en('Who invited a member'),
        options: [
          {
            type: ApplicationCommandOptionType.User,
            name: 'mitglied',
            name_localizations: en('member'),
            description: 'Das Mitglied',
            description_localizations: en('The member'),
            required: true,
          },
        ],
      },
    ],
  },
];
