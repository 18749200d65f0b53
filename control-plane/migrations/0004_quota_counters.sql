CREATE TABLE "quota_counters" (
	"tenant_id" text NOT NULL,
	"gateway_id" text NOT NULL,
	"counter" text NOT NULL,
	"period_start_ms" bigint NOT NULL,
	"period_end_ms" bigint,
	"granted_calls" bigint DEFAULT 0 NOT NULL,
	"used_bytes" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "quota_counters_tenant_id_gateway_id_counter_pk" PRIMARY KEY("tenant_id","gateway_id","counter")
);
--> statement-breakpoint
ALTER TABLE "quota_counters" ADD CONSTRAINT "quota_counters_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quota_counters" ADD CONSTRAINT "quota_counters_gateway_id_gateways_id_fk" FOREIGN KEY ("gateway_id") REFERENCES "public"."gateways"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "quota_counters_period_end_idx" ON "quota_counters" USING btree ("period_end_ms");