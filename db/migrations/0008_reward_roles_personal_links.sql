CREATE TABLE "personal_links" (
	"guild_id" bigint NOT NULL,
	"code" text NOT NULL,
	"owner_id" bigint NOT NULL,
	"channel_id" bigint NOT NULL,
	"max_age" integer DEFAULT 0 NOT NULL,
	"max_uses" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "personal_links_guild_id_code_pk" PRIMARY KEY("guild_id","code")
);
--> statement-breakpoint
CREATE TABLE "reward_role_grants" (
	"guild_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"role_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reward_role_grants_guild_id_user_id_role_id_pk" PRIMARY KEY("guild_id","user_id","role_id")
);
--> statement-breakpoint
CREATE TABLE "reward_tiers" (
	"guild_id" bigint NOT NULL,
	"role_id" bigint NOT NULL,
	"invites" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reward_tiers_guild_id_role_id_pk" PRIMARY KEY("guild_id","role_id"),
	CONSTRAINT "reward_tiers_invites_range" CHECK ("reward_tiers"."invites" between 1 and 1000000)
);
--> statement-breakpoint
CREATE TABLE "role_sync_jobs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "role_sync_jobs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"guild_id" bigint NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"done" integer DEFAULT 0 NOT NULL,
	"queued" integer DEFAULT 0 NOT NULL,
	"cursor" bigint,
	"requested_by" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "role_sync_jobs_status" CHECK ("role_sync_jobs"."status" in ('running', 'done'))
);
--> statement-breakpoint
ALTER TABLE "dashboard_audit" DROP CONSTRAINT "dashboard_audit_action";--> statement-breakpoint
ALTER TABLE "outbox" DROP CONSTRAINT "outbox_kind";--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "reward_role_mode" text DEFAULT 'stack' NOT NULL;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "reward_role_remove" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "personal_link_channel_id" bigint;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "personal_link_max_age" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "personal_link_max_uses" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "personal_links" ADD CONSTRAINT "personal_links_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reward_role_grants" ADD CONSTRAINT "reward_role_grants_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reward_tiers" ADD CONSTRAINT "reward_tiers_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "role_sync_jobs" ADD CONSTRAINT "role_sync_jobs_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "personal_links_guild_owner_idx" ON "personal_links" USING btree ("guild_id","owner_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "reward_tiers_guild_invites_uq" ON "reward_tiers" USING btree ("guild_id","invites");--> statement-breakpoint
CREATE INDEX "role_sync_jobs_guild_idx" ON "role_sync_jobs" USING btree ("guild_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "role_sync_jobs_running_idx" ON "role_sync_jobs" USING btree ("id") WHERE "role_sync_jobs"."status" = 'running';--> statement-breakpoint
ALTER TABLE "dashboard_audit" ADD CONSTRAINT "dashboard_audit_action" CHECK ("dashboard_audit"."action" in ('settings.update', 'code.exclude', 'code.include', 'join.resolve', 'join.clear_fake', 'settings.test', 'tiers.update', 'roles.sync', 'bonus.add', 'season.reset', 'season.restore'));--> statement-breakpoint
ALTER TABLE "guild_settings" ADD CONSTRAINT "guild_settings_reward_role_mode" CHECK ("guild_settings"."reward_role_mode" in ('stack', 'highest'));--> statement-breakpoint
ALTER TABLE "guild_settings" ADD CONSTRAINT "guild_settings_link_max_age" CHECK ("guild_settings"."personal_link_max_age" between 0 and 604800);--> statement-breakpoint
ALTER TABLE "guild_settings" ADD CONSTRAINT "guild_settings_link_max_uses" CHECK ("guild_settings"."personal_link_max_uses" between 0 and 100);--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_kind" CHECK ("outbox"."kind" in ('log', 'dm', 'edit', 'role'));