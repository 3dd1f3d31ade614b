import { MigrationInterface, QueryRunner } from 'typeorm';

/** Materialized grant views and per-day query usage. */
export class ViewsQueries1764300000000 implements MigrationInterface {
  name = 'ViewsQueries1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "grant_views" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "grant_id" uuid NOT NULL,
      "grant_version_id" uuid NOT NULL,
      "grant_version" int NOT NULL,
      "dataset_id" uuid NOT NULL,
      "dataset_version_id" uuid NOT NULL,
      "company_id" uuid NOT NULL,
      "status" text NOT NULL,
      "prefix" text NOT NULL,
      "manifest_sha256" text,
      "manifest_summary" jsonb,
      "rows_in" bigint,
      "rows_filtered" bigint,
      "rows_suppressed" bigint,
      "rows_out" bigint,
      "risk_report" jsonb,
      "error_code" text,
      "attempts" int NOT NULL DEFAULT 0,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      "ready_at" timestamptz,
      "deleted_at" timestamptz,
      CONSTRAINT "pk_grant_views" PRIMARY KEY ("id"),
      CONSTRAINT "uq_grant_views_grant_version_dataset_version" UNIQUE ("grant_version_id", "dataset_version_id"),
      CONSTRAINT "ck_grant_views_status" CHECK ("status" IN ('PENDING', 'MATERIALIZING', 'READY', 'FAILED', 'DELETED')),
      CONSTRAINT "fk_grant_views_grant" FOREIGN KEY ("grant_id") REFERENCES "grants"("id") ON DELETE RESTRICT,
      CONSTRAINT "fk_grant_views_grant_version" FOREIGN KEY ("grant_version_id") REFERENCES "grant_versions"("id") ON DELETE RESTRICT,
      CONSTRAINT "fk_grant_views_dataset_version" FOREIGN KEY ("dataset_version_id") REFERENCES "dataset_versions"("id") ON DELETE RESTRICT,
      CONSTRAINT "fk_grant_views_company" FOREIGN KEY ("company_id") REFERENCES "companies"("id") ON DELETE RESTRICT)`);
    await q.query(`CREATE INDEX "ix_grant_views_grant" ON "grant_views" ("grant_id")`);
    await q.query(`CREATE INDEX "ix_grant_views_status" ON "grant_views" ("status")`);
    await q.query(`CREATE TABLE "grant_query_usage" (
      "grant_id" uuid NOT NULL,
      "day" date NOT NULL,
      "queries" int NOT NULL DEFAULT 0,
      "rows_returned" bigint NOT NULL DEFAULT 0,
      CONSTRAINT "pk_grant_query_usage" PRIMARY KEY ("grant_id", "day"),
      CONSTRAINT "fk_grant_query_usage_grant" FOREIGN KEY ("grant_id") REFERENCES "grants"("id") ON DELETE RESTRICT)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "grant_query_usage"`);
    await q.query(`DROP TABLE "grant_views"`);
  }
}
