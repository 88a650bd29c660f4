CREATE TABLE "invite_bonus" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "invite_bonus_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"guild_id" bigint NOT NULL,
	"inviter_id" bigint NOT NULL,
	"amount" integer NOT NULL,
	"reason" text,
	"created_by" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "dashboard_audit" DROP CONSTRAINT "dashboard_audit_action";--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "fake_log_template" text;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "fake_account_age" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "fake_min_account_age_days" integer DEFAULT 7 NOT NULL;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "fake_no_avatar" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "fake_rejoin" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "fake_self_invite" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "fake_mode" text DEFAULT 'any' NOT NULL;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "min_stay_days" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "required_role_id" bigint;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "leave_message" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "leave_template" text;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD COLUMN "xp_take_back_days" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "inviter_stats" ADD COLUMN "regular" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "inviter_stats" ADD COLUMN "fake" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "inviter_stats" ADD COLUMN "bonus" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "inviter_stats" ADD COLUMN "pending" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "member_joins" ADD COLUMN "has_avatar" boolean;--> statement-breakpoint
ALTER TABLE "member_joins" ADD COLUMN "fake_flags" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "member_joins" ADD COLUMN "fake" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "member_joins" ADD COLUMN "reward_status" text;--> statement-breakpoint
ALTER TABLE "member_joins" ADD COLUMN "reward_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "member_joins" ADD COLUMN "role_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "invite_bonus" ADD CONSTRAINT "invite_bonus_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "invite_bonus_guild_inviter_idx" ON "invite_bonus" USING btree ("guild_id","inviter_id");--> statement-breakpoint
CREATE INDEX "member_joins_reward_due_idx" ON "member_joins" USING btree ("reward_due_at") WHERE "member_joins"."reward_status" = 'pending';--> statement-breakpoint
CREATE INDEX "member_joins_guild_fake_joined_idx" ON "member_joins" USING btree ("guild_id","joined_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "member_joins"."fake";--> statement-breakpoint
CREATE INDEX "member_joins_guild_reward_pending_joined_idx" ON "member_joins" USING btree ("guild_id","joined_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "member_joins"."reward_status" = 'pending';--> statement-breakpoint
ALTER TABLE "dashboard_audit" ADD CONSTRAINT "dashboard_audit_action" CHECK ("dashboard_audit"."action" in ('settings.update', 'code.exclude', 'code.include', 'join.resolve', 'join.clear_fake'));--> statement-breakpoint
ALTER TABLE "guild_settings" ADD CONSTRAINT "guild_settings_fake_mode" CHECK ("guild_settings"."fake_mode" in ('any', 'all'));--> statement-breakpoint
ALTER TABLE "guild_settings" ADD CONSTRAINT "guild_settings_account_age_range" CHECK ("guild_settings"."fake_min_account_age_days" between 1 and 365);--> statement-breakpoint
ALTER TABLE "guild_settings" ADD CONSTRAINT "guild_settings_min_stay_range" CHECK ("guild_settings"."min_stay_days" between 0 and 30);--> statement-breakpoint
ALTER TABLE "guild_settings" ADD CONSTRAINT "guild_settings_take_back_range" CHECK ("guild_settings"."xp_take_back_days" between 0 and 30);--> statement-breakpoint
ALTER TABLE "member_joins" ADD CONSTRAINT "member_joins_reward_status" CHECK ("member_joins"."reward_status" is null or "member_joins"."reward_status" in ('pending', 'released', 'forfeited'));--> statement-breakpoint
-- Existing counters had no fake, pending or bonus: every present member was regular.
UPDATE "inviter_stats" SET "regular" = "invites";--> statement-breakpoint
UPDATE "member_joins" SET "reward_status" = 'released' WHERE "xp_awarded" > 0;
