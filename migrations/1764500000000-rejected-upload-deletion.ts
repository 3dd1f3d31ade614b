import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `dataset_versions.object_deleted_at`: when the publisher deleted the object of a REJECTED
 * version through the hub (deleteRejectedUpload). The version's record stays, so the rejection
 * and its audit trail remain readable; the timestamp says the object is gone.
 */
export class RejectedUploadDeletion1764500000000 implements MigrationInterface {
  name = 'RejectedUploadDeletion1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "dataset_versions" ADD "object_deleted_at" timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "dataset_versions" DROP COLUMN "object_deleted_at"`);
  }
}
