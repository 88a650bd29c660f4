CREATE TABLE "dashboard_audit" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "dashboard_audit_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"guild_id" bigint NOT NULL,
	"actor_id" bigint NOT NULL,
	"action" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dashboard_audit_action" CHECK ("dashboard_audit"."action" in ('settings.update', 'code.exclude', 'code.include', 'join.resolve'))
);
--> statement-breakpoint
DROP INDEX "member_joins_guild_inviter_idx";--> statement-breakpoint
DROP INDEX "member_joins_guild_code_idx";--> statement-breakpoint
DROP INDEX "member_joins_guild_outcome_joined_idx";--> statement-breakpoint
ALTER TABLE "auth_sessions" ADD COLUMN "discord_token" "bytea";--> statement-breakpoint
ALTER TABLE "auth_sessions" ADD COLUMN "discord_token_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "dashboard_audit" ADD CONSTRAINT "dashboard_audit_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dashboard_audit_guild_created_idx" ON "dashboard_audit" USING btree ("guild_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "member_joins_guild_inviter_joined_idx" ON "member_joins" USING btree ("guild_id","inviter_id","joined_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "member_joins_guild_code_joined_idx" ON "member_joins" USING btree ("guild_id","code","joined_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "member_joins_guild_left_joined_idx" ON "member_joins" USING btree ("guild_id","joined_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "member_joins"."left_at" is not null;--> statement-breakpoint
CREATE INDEX "member_joins_guild_outcome_joined_idx" ON "member_joins" USING btree ("guild_id","outcome","joined_at" DESC NULLS LAST,"id" DESC NULLS LAST);