import { MigrationInterface, QueryRunner } from 'typeorm';

/** Datasets and their immutable versions. */
export class Datasets1764100000000 implements MigrationInterface {
  name = 'Datasets1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "datasets" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "company_id" uuid NOT NULL,
      "name" text NOT NULL,
      "description" text NOT NULL DEFAULT '',
      "tags" text array NOT NULL DEFAULT '{}',
      "created_by" uuid,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_datasets" PRIMARY KEY ("id"),
      CONSTRAINT "uq_datasets_company_name" UNIQUE ("company_id", "name"),
      CONSTRAINT "fk_datasets_company" FOREIGN KEY ("company_id") REFERENCES "companies"("id") ON DELETE RESTRICT)`);
    await q.query(`CREATE TABLE "dataset_versions" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "dataset_id" uuid NOT NULL,
      "version" int NOT NULL,
      "status" text NOT NULL,
      "format" text NOT NULL,
      "encoding" text,
      "object_key" text NOT NULL,
      "size_bytes" bigint,
      "sha256" text,
      "row_count" bigint,
      "columns" jsonb NOT NULL DEFAULT '[]',
      "declared" jsonb NOT NULL DEFAULT '{}',
      "rejection" jsonb,
      "created_by" uuid,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "published_at" timestamptz,
      "withdrawn_at" timestamptz,
      CONSTRAINT "pk_dataset_versions" PRIMARY KEY ("id"),
      CONSTRAINT "uq_dataset_versions_dataset_version" UNIQUE ("dataset_id", "version"),
      CONSTRAINT "fk_dataset_versions_dataset" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE RESTRICT)`);
    await q.query(`CREATE INDEX "ix_dataset_versions_status" ON "dataset_versions" ("status")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "dataset_versions"`);
    await q.query(`DROP TABLE "datasets"`);
  }
}
