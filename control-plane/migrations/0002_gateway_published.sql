ALTER TABLE "gateways" ADD COLUMN "published_revision" bigint;--> statement-breakpoint
ALTER TABLE "gateways" ADD COLUMN "published_hash" text;--> statement-breakpoint
ALTER TABLE "gateways" ADD COLUMN "published_at" timestamp (3) with time zone;