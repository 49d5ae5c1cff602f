CREATE TABLE "deployment" (
	"singleton" smallint PRIMARY KEY DEFAULT 1,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deployment_singleton" CHECK ("singleton" = 1)
);
