CREATE TABLE "auth_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" bigint NOT NULL,
	"secret_hash" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "excluded_codes" (
	"guild_id" bigint NOT NULL,
	"code" text NOT NULL,
	"created_by" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "excluded_codes_guild_id_code_pk" PRIMARY KEY("guild_id","code")
);
--> statement-breakpoint
CREATE TABLE "gateway_sessions" (
	"shard_id" integer PRIMARY KEY NOT NULL,
	"shard_count" integer NOT NULL,
	"session_id" text NOT NULL,
	"resume_url" text NOT NULL,
	"sequence" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "guild_settings" (
	"guild_id" bigint PRIMARY KEY NOT NULL,
	"log_channel_id" bigint,
	"dm_inviter" boolean DEFAULT false NOT NULL,
	"xp_per_invite" integer DEFAULT 50 NOT NULL,
	"locale" text DEFAULT 'de' NOT NULL,
	"log_template" text,
	"log_template_undecided" text,
	"dm_template" text,
	"updated_by" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "guild_settings_xp_range" CHECK ("guild_settings"."xp_per_invite" between 0 and 100000),
	CONSTRAINT "guild_settings_locale" CHECK ("guild_settings"."locale" in ('de', 'en'))
);
--> statement-breakpoint
CREATE TABLE "guilds" (
	"id" bigint PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"icon" text,
	"owner_id" bigint,
	"features" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"bot_permissions" text,
	"vanity_code" text,
	"vanity_uses" integer,
	"snapshot_at" timestamp with time zone,
	"removed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invite_rewards" (
	"guild_id" bigint NOT NULL,
	"code" text NOT NULL,
	"member_id" bigint NOT NULL,
	"inviter_id" bigint NOT NULL,
	"join_id" bigint,
	"xp" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invite_rewards_guild_id_code_member_id_pk" PRIMARY KEY("guild_id","code","member_id")
);
--> statement-breakpoint
CREATE TABLE "inviter_stats" (
	"guild_id" bigint NOT NULL,
	"inviter_id" bigint NOT NULL,
	"invites" integer DEFAULT 0 NOT NULL,
	"leaves" integer DEFAULT 0 NOT NULL,
	"joins" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inviter_stats_guild_id_inviter_id_pk" PRIMARY KEY("guild_id","inviter_id")
);
--> statement-breakpoint
CREATE TABLE "invites" (
	"guild_id" bigint NOT NULL,
	"code" text NOT NULL,
	"uses" integer DEFAULT 0 NOT NULL,
	"max_uses" integer DEFAULT 0 NOT NULL,
	"max_age" integer DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone,
	"inviter_id" bigint,
	"channel_id" bigint,
	"temporary" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invites_guild_id_code_pk" PRIMARY KEY("guild_id","code")
);
--> statement-breakpoint
CREATE TABLE "member_joins" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "member_joins_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"guild_id" bigint NOT NULL,
	"member_id" bigint NOT NULL,
	"member_bot" boolean DEFAULT false NOT NULL,
	"joined_at" timestamp with time zone NOT NULL,
	"outcome" text DEFAULT 'pending' NOT NULL,
	"reason" text,
	"code" text,
	"inviter_id" bigint,
	"candidates" jsonb,
	"excluded" boolean DEFAULT false NOT NULL,
	"xp_awarded" integer DEFAULT 0 NOT NULL,
	"decided_at" timestamp with time zone,
	"left_at" timestamp with time zone,
	"resolved_by" bigint,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "member_joins_outcome" CHECK ("member_joins"."outcome" in ('pending', 'exact', 'ambiguous', 'vanity', 'bot', 'unknown', 'no_permission', 'downtime'))
);
--> statement-breakpoint
CREATE TABLE "member_xp" (
	"guild_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"xp" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "member_xp_guild_id_user_id_pk" PRIMARY KEY("guild_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "outbox_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"guild_id" bigint NOT NULL,
	"join_id" bigint,
	"kind" text NOT NULL,
	"target_id" bigint NOT NULL,
	"body" jsonb NOT NULL,
	"nonce" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"message_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "outbox_kind" CHECK ("outbox"."kind" in ('log', 'dm')),
	CONSTRAINT "outbox_status" CHECK ("outbox"."status" in ('pending', 'sent', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" bigint PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"global_name" text,
	"avatar" text,
	"bot" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "auth_sessions" ADD CONSTRAINT "auth_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "excluded_codes" ADD CONSTRAINT "excluded_codes_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guild_settings" ADD CONSTRAINT "guild_settings_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invite_rewards" ADD CONSTRAINT "invite_rewards_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invite_rewards" ADD CONSTRAINT "invite_rewards_join_id_member_joins_id_fk" FOREIGN KEY ("join_id") REFERENCES "public"."member_joins"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inviter_stats" ADD CONSTRAINT "inviter_stats_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invites" ADD CONSTRAINT "invites_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_joins" ADD CONSTRAINT "member_joins_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_xp" ADD CONSTRAINT "member_xp_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_join_id_member_joins_id_fk" FOREIGN KEY ("join_id") REFERENCES "public"."member_joins"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "auth_sessions_user_idx" ON "auth_sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "invite_rewards_guild_inviter_idx" ON "invite_rewards" USING btree ("guild_id","inviter_id");--> statement-breakpoint
CREATE INDEX "inviter_stats_rank_idx" ON "inviter_stats" USING btree ("guild_id","invites" DESC NULLS LAST,"inviter_id");--> statement-breakpoint
CREATE INDEX "invites_guild_inviter_idx" ON "invites" USING btree ("guild_id","inviter_id");--> statement-breakpoint
CREATE UNIQUE INDEX "member_joins_guild_member_joined_uq" ON "member_joins" USING btree ("guild_id","member_id","joined_at");--> statement-breakpoint
CREATE INDEX "member_joins_guild_joined_idx" ON "member_joins" USING btree ("guild_id","joined_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "member_joins_guild_outcome_joined_idx" ON "member_joins" USING btree ("guild_id","outcome","joined_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "member_joins_guild_inviter_idx" ON "member_joins" USING btree ("guild_id","inviter_id");--> statement-breakpoint
CREATE INDEX "member_joins_guild_code_idx" ON "member_joins" USING btree ("guild_id","code");--> statement-breakpoint
CREATE INDEX "member_joins_pending_idx" ON "member_joins" USING btree ("guild_id") WHERE "member_joins"."outcome" = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_nonce_uq" ON "outbox" USING btree ("nonce");--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("next_attempt_at") WHERE "outbox"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "outbox_join_idx" ON "outbox" USING btree ("join_id");