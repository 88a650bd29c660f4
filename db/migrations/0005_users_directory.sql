ALTER TABLE "dashboard_audit" DROP CONSTRAINT "dashboard_audit_action";--> statement-breakpoint
CREATE INDEX "users_username_prefix_idx" ON "users" USING btree (lower("username") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "users_global_name_prefix_idx" ON "users" USING btree (lower("global_name") text_pattern_ops);--> statement-breakpoint
ALTER TABLE "dashboard_audit" ADD CONSTRAINT "dashboard_audit_action" CHECK ("dashboard_audit"."action" in ('settings.update', 'code.exclude', 'code.include', 'join.resolve', 'join.clear_fake', 'settings.test'));