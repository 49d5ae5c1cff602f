DROP INDEX "room_events_logout_stats_idx";--> statement-breakpoint
DROP INDEX "room_events_room_logouts_idx";--> statement-breakpoint
CREATE INDEX "room_events_room_logouts_idx" ON "room_events" ("app_id","room_id","logout_at" DESC NULLS LAST,"id" DESC NULLS LAST,"session_ms","logout_reason","role_code","user_account") WHERE event = 'room_logout';--> statement-breakpoint
DROP INDEX "room_events_reason_logouts_idx";--> statement-breakpoint
CREATE INDEX "room_events_reason_logouts_idx" ON "room_events" ("app_id","logout_reason","logout_at" DESC NULLS LAST,"id" DESC NULLS LAST,"session_ms") WHERE event = 'room_logout';--> statement-breakpoint
CREATE INDEX "room_events_role_logouts_idx" ON "room_events" ("app_id","role_code","logout_at" DESC NULLS LAST,"id" DESC NULLS LAST,"session_ms") WHERE event = 'room_logout';