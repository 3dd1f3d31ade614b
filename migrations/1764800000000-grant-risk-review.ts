import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The risk review of a drafted grant version (k-anonymity with hierarchies): its status
 * (PENDING while the worker runs it, READY, FAILED with a code and a sentence that name no data
 * value) and the full canonical reports, one per reviewed dataset, whose SHA-256 the document
 * prints. A version whose review is not READY cannot be signed. NULL: nothing to review.
 */
export class GrantRiskReview1764800000000 implements MigrationInterface {
  name = 'GrantRiskReview1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "grant_versions"
      ADD COLUMN "review_status" text,
      ADD COLUMN "review_reports" jsonb,
      ADD COLUMN "review_error_code" text,
      ADD COLUMN "review_error_message" text,
      ADD CONSTRAINT "ck_grant_versions_review_status"
        CHECK ("review_status" IS NULL OR "review_status" IN ('PENDING', 'READY', 'FAILED'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "grant_versions"
      DROP CONSTRAINT "ck_grant_versions_review_status",
      DROP COLUMN "review_error_message",
      DROP COLUMN "review_error_code",
      DROP COLUMN "review_reports",
      DROP COLUMN "review_status"`);
  }
}
