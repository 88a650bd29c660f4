ALTER TABLE "dashboard_audit" DROP CONSTRAINT "dashboard_audit_action";--> statement-breakpoint
ALTER TABLE "invite_bonus" ADD COLUMN "request_id" text;--> statement-breakpoint
CREATE UNIQUE INDEX "invite_bonus_request_uq" ON "invite_bonus" USING btree ("guild_id","request_id");--> statement-breakpoint
ALTER TABLE "dashboard_audit" ADD CONSTRAINT "dashboard_audit_action" CHECK ("dashboard_audit"."action" in ('settings.update', 'code.exclude', 'code.include', 'join.resolve', 'join.clear_fake', 'settings.test', 'bonus.add'));