/**
 * The persisted invite snapshot (`invites` rows + the guild's vanity counter and snapshot time).
 * The gateway writes it (baseline after each decided batch, INVITE_CREATE/DELETE as they come) and
 * restores it after a restart; the dashboard lists it on the excluded-codes page.
 */
import { and, eq, isNull, lte, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { guilds, invites } from '../schema';

/**
 * One invite, the one shape both the gateway (its in-memory snapshot) and the database use. Times are
 * epoch milliseconds or null.
 */
export type InviteRecord = {
  code: string;
  uses: number;
  maxUses: number;
  expiresAt: number | null;
  inviterId: string | null;
  channelId: string | null;
  temporary: boolean;
  /** Set when INVITE_DELETE arrived: the row is a tombstone kept to explain a used-up max-uses invite. */
  deletedAt: number | null;
};

/** The vanity URL's counter, for guilds with the VANITY_URL feature. */
export type VanityState = { code: string | null; uses: number };

export type StoredSnapshot = {
  invites: InviteRecord[];
  vanity: VanityState | null;
  /** The gateway's open attribution episode (gateway/attribution), or null. */
  attributionState: Record<string, unknown> | null;
  /** When the baseline was taken; null if the guild was never fetched. */
  takenAt: number | null;
};

const ms = (d: Date | null) => (d === null ? null : d.getTime());
const date = (n: number | null) => (n === null ? null : new Date(n));

/** A snapshot's row replaces what is stored for its code (one guild's snapshot or a batch). */
const SNAPSHOT_UPSERT = {
  target: [invites.guildId, invites.code],
  set: {
    uses: sql`excluded.uses`,
    maxUses: sql`excluded.max_uses`,
    expiresAt: sql`excluded.expires_at`,
    inviterId: sql`excluded.inviter_id`,
    channelId: sql`excluded.channel_id`,
    temporary: sql`excluded.temporary`,
    deletedAt: sql`excluded.deleted_at`,
    updatedAt: sql`now()`,
  },
};

export async function loadSnapshot(db: Db, guildId: string): Promise<StoredSnapshot> {
  const [guild] = await db
    .select({
      code: guilds.vanityCode,
      uses: guilds.vanityUses,
      takenAt: guilds.snapshotAt,
      attributionState: guilds.attributionState,
    })
    .from(guilds)
    .where(eq(guilds.id, guildId));
  const rows = await db.select().from(invites).where(eq(invites.guildId, guildId));
  return {
    invites: rows.map((r) => ({
      code: r.code,
      uses: r.uses,
      maxUses: r.maxUses,
      expiresAt: ms(r.expiresAt),
      inviterId: r.inviterId,
      channelId: r.channelId,
      temporary: r.temporary,
      deletedAt: ms(r.deletedAt),
    })),
    vanity: guild && guild.uses !== null ? { code: guild.code, uses: guild.uses } : null,
    takenAt: ms(guild?.takenAt ?? null),
    attributionState: guild?.attributionState ?? null,
  };
}

/** The gateway's open attribution episode, written with the decisions that rest on it. */
export async function saveAttributionState(
  db: Db,
  guildId: string,
  state: Record<string, unknown> | null,
): Promise<void> {
  await db.update(guilds).set({ attributionState: state }).where(eq(guilds.id, guildId));
}

function row(guildId: string, invite: InviteRecord) {
  return {
    guildId,
    code: invite.code,
    uses: invite.uses,
    maxUses: invite.maxUses,
    expiresAt: date(invite.expiresAt),
    inviterId: invite.inviterId,
    channelId: invite.channelId,
    temporary: invite.temporary,
    deletedAt: date(invite.deletedAt),
  };
}

/**
 * Stores a new baseline: every listed invite as given; invites no longer listed get a tombstone
 * (kept for history and the dashboard, never counted again).
 */
export async function saveBaseline(
  db: Db,
  guildId: string,
  snapshot: {
    invites: InviteRecord[];
    vanity: VanityState | null;
    takenAt: number;
  },
): Promise<void> {
  if (snapshot.invites.length > 0) {
    const rows = snapshot.invites.map((i) => row(guildId, i));
    await db.insert(invites).values(rows).onConflictDoUpdate(SNAPSHOT_UPSERT);
  }
  // Codes the snapshot does not list are gone, unless INVITE_CREATE stored them after it was taken.
  const listed = snapshot.invites.map((i) => i.code);
  await db
    .update(invites)
    .set({ deletedAt: new Date(snapshot.takenAt), updatedAt: sql`now()` })
    .where(
      and(
        eq(invites.guildId, guildId),
        isNull(invites.deletedAt),
        lte(invites.updatedAt, new Date(snapshot.takenAt)),
        listed.length > 0 ? notInArray(invites.code, listed) : undefined,
      ),
    );
  await db
    .update(guilds)
    .set({
      vanityCode: snapshot.vanity?.code ?? null,
      vanityUses: snapshot.vanity?.uses ?? null,
      snapshotAt: new Date(snapshot.takenAt),
      updatedAt: sql`now()`,
    })
    .where(eq(guilds.id, guildId));
}

/** Invite rows per insert statement (9 parameters each, Postgres allows 65,535). */
const ROWS_PER_INSERT = 5000;

/**
 * Several guilds' new baselines in three statements in all (as many as `saveBaseline` needs for one
 * guild): after a start thousands of guilds store their first snapshot within minutes, and a
 * transaction per guild kept the connections busy that joins need. Same result as `saveBaseline`
 * for each in turn; give each guild at most once (the later one wins).
 */
export async function saveBaselines(
  db: Db,
  snapshots: readonly {
    guildId: string;
    invites: InviteRecord[];
    vanity: VanityState | null;
    takenAt: number;
  }[],
): Promise<void> {
  const latest = [...new Map(snapshots.map((s) => [s.guildId, s])).values()];
  if (latest.length === 0) return;
  const rows = latest.flatMap((s) => s.invites.map((i) => row(s.guildId, i)));
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    await db
      .insert(invites)
      .values(rows.slice(start, start + ROWS_PER_INSERT))
      .onConflictDoUpdate(SNAPSHOT_UPSERT);
  }
  const each = JSON.stringify(
    latest.map((s) => ({
      guild_id: s.guildId,
      taken_at: new Date(s.takenAt).toISOString(),
      codes: s.invites.map((i) => i.code),
      vanity_code: s.vanity?.code ?? null,
      vanity_uses: s.vanity?.uses ?? null,
    })),
  );
  // Codes a snapshot does not list are gone, unless INVITE_CREATE stored them after it was taken.
  await db.execute(sql`
    update ${invites} as i set deleted_at = v.taken_at, updated_at = now()
    from jsonb_to_recordset(${each}::jsonb) as v(guild_id bigint, taken_at timestamptz, codes text[])
    where i.guild_id = v.guild_id and i.deleted_at is null and i.updated_at <= v.taken_at
      and not (i.code = any(v.codes))`);
  await db.execute(sql`
    update ${guilds} as g
    set vanity_code = v.vanity_code, vanity_uses = v.vanity_uses, snapshot_at = v.taken_at,
      updated_at = now()
    from jsonb_to_recordset(${each}::jsonb)
      as v(guild_id bigint, taken_at timestamptz, vanity_code text, vanity_uses integer)
    where g.id = v.guild_id`);
}

/** INVITE_CREATE: a new code. A replayed event never lowers a counter already stored. */
export async function storeCreatedInvite(
  db: Db,
  guildId: string,
  invite: InviteRecord,
): Promise<void> {
  await db
    .insert(invites)
    .values(row(guildId, invite))
    .onConflictDoUpdate({
      target: [invites.guildId, invites.code],
      set: { uses: sql`greatest(${invites.uses}, excluded.uses)`, updatedAt: sql`now()` },
    });
}

/** INVITE_DELETE: keep the row as a tombstone. */
export async function markInviteDeleted(
  db: Db,
  guildId: string,
  code: string,
  at: number,
): Promise<void> {
  await db
    .update(invites)
    .set({ deletedAt: new Date(at), updatedAt: sql`now()` })
    .where(and(eq(invites.guildId, guildId), eq(invites.code, code), isNull(invites.deletedAt)));
}

/** Current (not deleted) invites of a guild, for the dashboard. */
export async function listStoredInvites(db: Db, guildId: string) {
  return db
    .select()
    .from(invites)
    .where(and(eq(invites.guildId, guildId), isNull(invites.deletedAt)))
    .orderBy(invites.code);
}
