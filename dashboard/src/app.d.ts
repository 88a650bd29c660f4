// See https://svelte.dev/docs/kit/types#app.d.ts
import type { IncomingMessage } from 'node:http';
import type { Db } from '$db/client';
import type { Locale } from '$db/schema';
import type { Session, SessionUser } from '$lib/server/auth/session';
import type { GuildAccess } from '$lib/server/guilds/access';

declare global {
  namespace App {
    interface Error {
      message: string;
      /** A message key of the dashboard's dictionaries, shown in the user's language. */
      key?: string;
    }
    interface Locals {
      /** The database (set by the hooks for every request but /healthz). */
      db: Db;
      locale: Locale;
      user: SessionUser | null;
      session: Session | null;
      /** Set for /servers/[guildId]/… requests: the logged-in user's access to that guild. */
      guildAccess: GuildAccess | null;
    }
    /** adapter-node's: the Node request (it may carry the hosting process's database handle). */
    interface Platform {
      req: IncomingMessage;
    }
  }
}

export {};
