ALTER TABLE "operations" ADD COLUMN "binding" jsonb;--> statement-breakpoint
ALTER TABLE "operations" ADD COLUMN "tags" text[] DEFAULT '{}' NOT NULL;