CREATE TABLE "join_revisions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "join_revisions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"guild_id" bigint NOT NULL,
	"join_id" bigint NOT NULL,
	"previous" jsonb NOT NULL,
	"next" jsonb NOT NULL,
	"cause" text NOT NULL,
	"xp_change" integer DEFAULT 0 NOT NULL,
	"revised_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "outbox" DROP CONSTRAINT "outbox_kind";--> statement-breakpoint
ALTER TABLE "guilds" ADD COLUMN "attribution_state" jsonb;--> statement-breakpoint
ALTER TABLE "invite_rewards" ADD COLUMN "revoked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "member_joins" ADD COLUMN "received_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "member_joins" ADD COLUMN "revised_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "join_revisions" ADD CONSTRAINT "join_revisions_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "join_revisions" ADD CONSTRAINT "join_revisions_join_id_member_joins_id_fk" FOREIGN KEY ("join_id") REFERENCES "public"."member_joins"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "join_revisions_join_idx" ON "join_revisions" USING btree ("join_id","revised_at");--> statement-breakpoint
CREATE INDEX "join_revisions_guild_idx" ON "join_revisions" USING btree ("guild_id","revised_at" DESC NULLS LAST);--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_kind" CHECK ("outbox"."kind" in ('log', 'dm', 'edit'));