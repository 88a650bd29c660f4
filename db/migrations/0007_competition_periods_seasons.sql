CREATE TABLE "inviter_period_stats" (
	"guild_id" bigint NOT NULL,
	"period" text NOT NULL,
	"inviter_id" bigint NOT NULL,
	"invites" integer DEFAULT 0 NOT NULL,
	"regular" integer DEFAULT 0 NOT NULL,
	"leaves" integer DEFAULT 0 NOT NULL,
	"fake" integer DEFAULT 0 NOT NULL,
	"bonus" integer DEFAULT 0 NOT NULL,
	"pending" integer DEFAULT 0 NOT NULL,
	"joins" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inviter_period_stats_guild_id_period_inviter_id_pk" PRIMARY KEY("guild_id","period","inviter_id"),
	CONSTRAINT "inviter_period_stats_period" CHECK ("inviter_period_stats"."period" in ('all', '7d', '30d'))
);
--> statement-breakpoint
CREATE TABLE "period_windows" (
	"guild_id" bigint NOT NULL,
	"period" text NOT NULL,
	"since" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "period_windows_guild_id_period_pk" PRIMARY KEY("guild_id","period")
);
--> statement-breakpoint
CREATE TABLE "season_xp" (
	"season_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"xp" integer NOT NULL,
	CONSTRAINT "season_xp_season_id_user_id_pk" PRIMARY KEY("season_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "seasons" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "seasons_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"guild_id" bigint NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"xp_reset" boolean NOT NULL,
	"started_by" bigint,
	"undone_at" timestamp with time zone,
	"undone_by" bigint
);
--> statement-breakpoint
ALTER TABLE "dashboard_audit" DROP CONSTRAINT "dashboard_audit_action";--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "season_resets_xp" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "inviter_period_stats" ADD CONSTRAINT "inviter_period_stats_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "period_windows" ADD CONSTRAINT "period_windows_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "season_xp" ADD CONSTRAINT "season_xp_season_id_seasons_id_fk" FOREIGN KEY ("season_id") REFERENCES "public"."seasons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seasons" ADD CONSTRAINT "seasons_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "inviter_period_stats_rank_idx" ON "inviter_period_stats" USING btree ("guild_id","period","invites" DESC NULLS LAST,"inviter_id");--> statement-breakpoint
CREATE INDEX "seasons_guild_started_idx" ON "seasons" USING btree ("guild_id","started_at" DESC NULLS LAST) WHERE "seasons"."undone_at" is null;--> statement-breakpoint
ALTER TABLE "dashboard_audit" ADD CONSTRAINT "dashboard_audit_action" CHECK ("dashboard_audit"."action" in ('settings.update', 'code.exclude', 'code.include', 'join.resolve', 'join.clear_fake', 'settings.test', 'bonus.add', 'season.reset', 'season.restore'));--> statement-breakpoint
-- Existing guilds have had no reset: their all-time counters are the season's.
INSERT INTO "inviter_period_stats" ("guild_id", "period", "inviter_id", "invites", "regular", "leaves", "fake", "bonus", "pending", "joins")
SELECT "guild_id", 'all', "inviter_id", "invites", "regular", "leaves", "fake", "bonus", "pending", "joins" FROM "inviter_stats";
