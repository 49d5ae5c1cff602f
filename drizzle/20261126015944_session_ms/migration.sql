ALTER TABLE "room_events" ADD COLUMN "session_ms" double precision GENERATED ALWAYS AS (round(date_part('epoch', logout_at - login_at) * 1000)) STORED;--> statement-breakpoint
DROP INDEX "room_events_user_logouts_idx";--> statement-breakpoint
CREATE INDEX "room_events_user_logouts_idx" ON "room_events" ("app_id","user_account","logout_at" DESC NULLS LAST,"id" DESC NULLS LAST,"session_ms") WHERE event = 'room_logout';--> statement-breakpoint
DROP INDEX "room_events_logout_stats_idx";--> statement-breakpoint
CREATE INDEX "room_events_logout_stats_idx" ON "room_events" ("app_id","room_id","logout_at","session_ms","logout_reason","role_code","user_account") WHERE event = 'room_logout';