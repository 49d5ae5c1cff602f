CREATE TYPE "presence_change_kind" AS ENUM('JOINED', 'LEFT', 'ROOM_CLOSED');--> statement-breakpoint
CREATE TYPE "room_event_type" AS ENUM('room_create', 'room_login', 'room_logout', 'room_close');--> statement-breakpoint
CREATE TABLE "other_callbacks" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "other_callbacks_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"app_id" text NOT NULL,
	"event" text NOT NULL,
	"dedup_key" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp(3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "presence_changes" (
	"room_pk" bigint,
	"version" bigint,
	"kind" "presence_change_kind" NOT NULL,
	"room_seq" numeric(20,0) NOT NULL,
	"member_count" integer NOT NULL,
	"user_account" text,
	"nickname" text,
	"session_id" numeric(20,0),
	"role_code" integer,
	"login_at" timestamp(3) with time zone,
	"event_id" bigint NOT NULL,
	"changed_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "presence_changes_pkey" PRIMARY KEY("room_pk","version")
);
--> statement-breakpoint
CREATE TABLE "room_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "room_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"event" "room_event_type" NOT NULL,
	"app_id" text NOT NULL,
	"room_id" text NOT NULL,
	"room_seq" numeric(20,0) NOT NULL,
	"event_at" timestamp(3) with time zone NOT NULL,
	"user_account" text,
	"nickname" text,
	"session_id" numeric(20,0),
	"role_code" integer,
	"login_at" timestamp(3) with time zone,
	"logout_at" timestamp(3) with time zone,
	"logout_reason" integer,
	"user_update_seq" bigint,
	"relogin" boolean,
	"auth_level" integer,
	"callback_data" text,
	"room_name" text,
	"created_by" text,
	"close_reason" integer,
	"sent_at" timestamp(3) with time zone NOT NULL,
	"dedup_key" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp(3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "room_lifecycles" (
	"room_pk" bigint,
	"room_seq" numeric(20,0),
	"room_name" text,
	"created_at" timestamp(3) with time zone,
	"created_by" text,
	"closed_at" timestamp(3) with time zone,
	"close_reason" integer,
	"superseded_at" timestamp(3) with time zone,
	"first_event_at" timestamp(3) with time zone NOT NULL,
	"last_event_at" timestamp(3) with time zone NOT NULL,
	CONSTRAINT "room_lifecycles_pkey" PRIMARY KEY("room_pk","room_seq")
);
--> statement-breakpoint
CREATE TABLE "room_members" (
	"room_pk" bigint,
	"user_account" text,
	"nickname" text NOT NULL,
	"session_id" numeric(20,0) NOT NULL,
	"role_code" integer NOT NULL,
	"login_at" timestamp(3) with time zone,
	"logout_at" timestamp(3) with time zone,
	"present" boolean GENERATED ALWAYS AS (logout_at is null) STORED NOT NULL,
	CONSTRAINT "room_members_pkey" PRIMARY KEY("room_pk","user_account")
);
--> statement-breakpoint
CREATE TABLE "rooms" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "rooms_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"app_id" text NOT NULL,
	"room_id" text NOT NULL,
	"current_seq" numeric(20,0),
	"version" bigint DEFAULT 0 NOT NULL,
	"member_count" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "other_callbacks_dedup_key" ON "other_callbacks" ("app_id","dedup_key");--> statement-breakpoint
CREATE UNIQUE INDEX "room_events_dedup_key" ON "room_events" ("app_id","room_id","dedup_key");--> statement-breakpoint
CREATE INDEX "room_events_update_seq_idx" ON "room_events" ("app_id","room_id","room_seq","user_update_seq") WHERE user_update_seq is not null;--> statement-breakpoint
CREATE INDEX "room_events_login_idx" ON "room_events" ("app_id","room_id","user_account","login_at") WHERE event = 'room_login';--> statement-breakpoint
CREATE INDEX "room_members_present_idx" ON "room_members" ("room_pk","login_at","user_account") WHERE logout_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX "rooms_app_room_key" ON "rooms" ("app_id","room_id");--> statement-breakpoint
ALTER TABLE "presence_changes" ADD CONSTRAINT "presence_changes_room_pk_rooms_id_fkey" FOREIGN KEY ("room_pk") REFERENCES "rooms"("id");--> statement-breakpoint
ALTER TABLE "presence_changes" ADD CONSTRAINT "presence_changes_event_id_room_events_id_fkey" FOREIGN KEY ("event_id") REFERENCES "room_events"("id");--> statement-breakpoint
ALTER TABLE "room_lifecycles" ADD CONSTRAINT "room_lifecycles_room_pk_rooms_id_fkey" FOREIGN KEY ("room_pk") REFERENCES "rooms"("id");--> statement-breakpoint
ALTER TABLE "room_members" ADD CONSTRAINT "room_members_room_pk_rooms_id_fkey" FOREIGN KEY ("room_pk") REFERENCES "rooms"("id");