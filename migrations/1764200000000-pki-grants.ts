import { MigrationInterface, QueryRunner } from 'typeorm';

/** Alliance PKI (member certificates, CRLs) and NDA grants (versions, signatures, terminations). */
export class PkiGrants1764200000000 implements MigrationInterface {
  name = 'PkiGrants1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "certificates" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "serial_number" text NOT NULL,
      "issuer_fingerprint" text NOT NULL,
      "user_id" uuid NOT NULL,
      "org_kind" text NOT NULL,
      "company_id" uuid,
      "working_group_id" uuid,
      "role" text NOT NULL,
      "certificate_pem" text NOT NULL,
      "fingerprint_sha256" text NOT NULL,
      "not_before" timestamptz NOT NULL,
      "not_after" timestamptz NOT NULL,
      "issued_by" uuid,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "revoked_at" timestamptz,
      "revocation_reason" text,
      CONSTRAINT "pk_certificates" PRIMARY KEY ("id"),
      CONSTRAINT "uq_certificates_issuer_serial" UNIQUE ("issuer_fingerprint", "serial_number"),
      CONSTRAINT "uq_certificates_fingerprint" UNIQUE ("fingerprint_sha256"),
      CONSTRAINT "ck_certificates_org_kind" CHECK ("org_kind" IN ('company', 'working-group')),
      CONSTRAINT "ck_certificates_role" CHECK ("role" = 'LEGAL'),
      CONSTRAINT "ck_certificates_org" CHECK (("org_kind" = 'company' AND "company_id" IS NOT NULL AND "working_group_id" IS NULL) OR ("org_kind" = 'working-group' AND "working_group_id" IS NOT NULL AND "company_id" IS NULL)),
      CONSTRAINT "fk_certificates_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT,
      CONSTRAINT "fk_certificates_company" FOREIGN KEY ("company_id") REFERENCES "companies"("id") ON DELETE RESTRICT,
      CONSTRAINT "fk_certificates_working_group" FOREIGN KEY ("working_group_id") REFERENCES "working_groups"("id") ON DELETE RESTRICT)`);
    await q.query(`CREATE INDEX "ix_certificates_user" ON "certificates" ("user_id")`);
    await q.query(`CREATE TABLE "crls" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "issuer_fingerprint" text NOT NULL,
      "crl_number" bigint NOT NULL,
      "crl_pem" text NOT NULL,
      "this_update" timestamptz NOT NULL,
      "next_update" timestamptz NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_crls" PRIMARY KEY ("id"),
      CONSTRAINT "uq_crls_issuer_number" UNIQUE ("issuer_fingerprint", "crl_number"))`);
    await q.query(`CREATE TABLE "grants" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "grantor_company_id" uuid NOT NULL,
      "grantee_working_group_id" uuid NOT NULL,
      "created_by" uuid,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_grants" PRIMARY KEY ("id"),
      CONSTRAINT "fk_grants_grantor_company" FOREIGN KEY ("grantor_company_id") REFERENCES "companies"("id") ON DELETE RESTRICT,
      CONSTRAINT "fk_grants_grantee_working_group" FOREIGN KEY ("grantee_working_group_id") REFERENCES "working_groups"("id") ON DELETE RESTRICT)`);
    await q.query(`CREATE INDEX "ix_grants_grantor" ON "grants" ("grantor_company_id")`);
    await q.query(`CREATE INDEX "ix_grants_grantee" ON "grants" ("grantee_working_group_id")`);
    await q.query(`CREATE TABLE "grant_versions" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "grant_id" uuid NOT NULL,
      "version" int NOT NULL,
      "document" bytea NOT NULL,
      "sha256" text NOT NULL,
      "supersedes_sha256" text,
      "state" text NOT NULL,
      "term_from" timestamptz NOT NULL,
      "term_until" timestamptz NOT NULL,
      "created_by" uuid,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "activated_at" timestamptz,
      "ended_at" timestamptz,
      "state_reason" text,
      CONSTRAINT "pk_grant_versions" PRIMARY KEY ("id"),
      CONSTRAINT "uq_grant_versions_grant_version" UNIQUE ("grant_id", "version"),
      CONSTRAINT "uq_grant_versions_sha256" UNIQUE ("sha256"),
      CONSTRAINT "ck_grant_versions_state" CHECK ("state" IN ('DRAFT', 'AWAITING_SIGNATURES', 'ACTIVE', 'SUSPENDED', 'TERMINATED', 'EXPIRED', 'SUPERSEDED')),
      CONSTRAINT "fk_grant_versions_grant" FOREIGN KEY ("grant_id") REFERENCES "grants"("id") ON DELETE RESTRICT)`);
    // At most one live (ACTIVE or SUSPENDED) version per grant: the database decides competing amendments.
    await q.query(
      `CREATE UNIQUE INDEX "uq_grant_versions_live" ON "grant_versions" ("grant_id") WHERE "state" IN ('ACTIVE', 'SUSPENDED')`,
    );
    await q.query(`CREATE INDEX "ix_grant_versions_state_until" ON "grant_versions" ("state", "term_until")`);
    await q.query(`CREATE TABLE "grant_signatures" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "grant_version_id" uuid NOT NULL,
      "party" text NOT NULL,
      "certificate_id" uuid NOT NULL,
      "signer_user_id" uuid NOT NULL,
      "cms_der" bytea NOT NULL,
      "cms_sha256" text NOT NULL,
      "signing_time" timestamptz NOT NULL,
      "attached_by" uuid,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "replaced_at" timestamptz,
      CONSTRAINT "pk_grant_signatures" PRIMARY KEY ("id"),
      CONSTRAINT "uq_grant_signatures_version_cms" UNIQUE ("grant_version_id", "cms_sha256"),
      CONSTRAINT "ck_grant_signatures_party" CHECK ("party" IN ('GRANTOR', 'GRANTEE')),
      CONSTRAINT "fk_grant_signatures_grant_version" FOREIGN KEY ("grant_version_id") REFERENCES "grant_versions"("id") ON DELETE RESTRICT,
      CONSTRAINT "fk_grant_signatures_certificate" FOREIGN KEY ("certificate_id") REFERENCES "certificates"("id") ON DELETE RESTRICT,
      CONSTRAINT "fk_grant_signatures_signer" FOREIGN KEY ("signer_user_id") REFERENCES "users"("id") ON DELETE RESTRICT)`);
    await q.query(
      `CREATE UNIQUE INDEX "uq_grant_signatures_current" ON "grant_signatures" ("grant_version_id", "party") WHERE "replaced_at" IS NULL`,
    );
    await q.query(`CREATE INDEX "ix_grant_signatures_certificate" ON "grant_signatures" ("certificate_id")`);
    await q.query(`CREATE TABLE "grant_terminations" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "grant_version_id" uuid NOT NULL,
      "document" bytea NOT NULL,
      "sha256" text NOT NULL,
      "party" text NOT NULL,
      "certificate_id" uuid NOT NULL,
      "cms_der" bytea NOT NULL,
      "signing_time" timestamptz NOT NULL,
      "effective_at" timestamptz NOT NULL,
      "created_by" uuid,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_grant_terminations" PRIMARY KEY ("id"),
      CONSTRAINT "uq_grant_terminations_grant_version" UNIQUE ("grant_version_id"),
      CONSTRAINT "ck_grant_terminations_party" CHECK ("party" IN ('GRANTOR', 'GRANTEE')),
      CONSTRAINT "fk_grant_terminations_grant_version" FOREIGN KEY ("grant_version_id") REFERENCES "grant_versions"("id") ON DELETE RESTRICT,
      CONSTRAINT "fk_grant_terminations_certificate" FOREIGN KEY ("certificate_id") REFERENCES "certificates"("id") ON DELETE RESTRICT)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "grant_terminations"`);
    await q.query(`DROP TABLE "grant_signatures"`);
    await q.query(`DROP TABLE "grant_versions"`);
    await q.query(`DROP TABLE "grants"`);
    await q.query(`DROP TABLE "crls"`);
    await q.query(`DROP TABLE "certificates"`);
  }
}
