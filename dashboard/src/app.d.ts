// See https://svelte.dev/docs/kit/types#app.d.ts
import type { IncomingMessage } from 'node:http';
import type { Db } from '$db/client';
import type { Locale } from '$db/schema';
import type { Session, SessionUser } from '$lib/server/auth/session';
import type { ManagedGuild } from '$lib/server/guilds/guard';

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
      /** /servers/[guildId]/…: the guild, once the guard verified the user manages it (read it with managedGuild). */
      guild: ManagedGuild | null;
    }
    /** adapter-node's: the Node request (it may carry the hosting process's database handle). */
    interface Platform {
      req: IncomingMessage;
    }
  }
}

export {};
