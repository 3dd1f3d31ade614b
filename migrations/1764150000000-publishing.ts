import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Publishing: upload tickets (one object key each, single PUT or multipart), and one version
 * per object key. The job queue lives in pg-boss's own schema, which pg-boss manages.
 */
export class Publishing1764150000000 implements MigrationInterface {
  name = 'Publishing1764150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "upload_tickets" (
      "id" uuid NOT NULL,
      "company_id" uuid NOT NULL,
      "dataset_id" uuid,
      "object_key" text NOT NULL,
      "file_name" text NOT NULL,
      "size_bytes" bigint NOT NULL,
      "format" text NOT NULL,
      "status" text NOT NULL,
      "multipart_upload_id" text,
      "part_size" bigint,
      "part_count" int,
      "version_id" uuid,
      "created_by" uuid NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "urls_expire_at" timestamptz NOT NULL,
      CONSTRAINT "pk_upload_tickets" PRIMARY KEY ("id"),
      CONSTRAINT "uq_upload_tickets_object_key" UNIQUE ("object_key"),
      CONSTRAINT "uq_upload_tickets_version_id" UNIQUE ("version_id"),
      CONSTRAINT "fk_upload_tickets_company" FOREIGN KEY ("company_id") REFERENCES "companies"("id") ON DELETE RESTRICT)`);
    await q.query(`CREATE INDEX "ix_upload_tickets_company" ON "upload_tickets" ("company_id")`);
    await q.query(`ALTER TABLE "dataset_versions" ADD "object_etag" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "dataset_versions" DROP COLUMN "object_etag"`);
    await q.query(`DROP TABLE "upload_tickets"`);
  }
}
