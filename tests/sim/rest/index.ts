/** Every REST route the simulator serves under /api/v10, in match order. */
import type { Route } from '../http';
import { oauthRoutes } from '../oauth';
import { channelRoutes } from './channels';
import { commandRoutes } from './commands';
import { guildRoutes } from './guilds';
import { interactionRoutes } from './interactions';
import { inviteRoutes } from './invites';
import { userRoutes } from './users';

export const restRoutes: Route[] = [
  ...userRoutes,
  ...guildRoutes,
  ...channelRoutes,
  ...inviteRoutes,
  ...commandRoutes,
  ...interactionRoutes,
  ...oauthRoutes,
];
