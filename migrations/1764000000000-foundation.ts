import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ten launch working groups exactly as this migration inserted them: a frozen copy, not an
 * import of libs/db, so that changing the live list can never change what this migration does.
 */
const WORKING_GROUPS: ReadonlyArray<{ slug: string; nameEn: string; nameKo: string }> = [
  { slug: 'ai-factory', nameEn: 'AI factory', nameKo: 'AI 팩토리' },
  { slug: 'ai-manufacturing-services', nameEn: 'AI manufacturing services', nameKo: 'AI 제조서비스' },
  { slug: 'ai-distribution-logistics', nameEn: 'AI distribution & logistics', nameKo: 'AI 유통·물류' },
  { slug: 'autonomous-vehicles', nameEn: 'Autonomous vehicles', nameKo: '자율주행차' },
  { slug: 'humanoids', nameEn: 'Humanoids', nameKo: '휴머노이드' },
  { slug: 'autonomous-ships', nameEn: 'Autonomous ships', nameKo: '자율운항선박' },
  { slug: 'ai-home-appliances', nameEn: 'AI home appliances', nameKo: 'AI 가전' },
  { slug: 'ai-defense', nameEn: 'AI defense', nameKo: 'AI 방산' },
  { slug: 'ai-bio', nameEn: 'AI bio', nameKo: 'AI 바이오' },
  { slug: 'ai-semiconductors', nameEn: 'AI semiconductors', nameKo: 'AI 반도체' },
];

/** Alliance directory, people, tokens, and the append-only audit log. */
export class Foundation1764000000000 implements MigrationInterface {
  name = 'Foundation1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await q.query(`CREATE TABLE "companies" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "slug" text NOT NULL,
      "name" text NOT NULL,
      "name_ko" text,
      "business_registration_number" text NOT NULL,
      "bucket" text NOT NULL,
      "endpoint_url" text,
      "endpoint_region" text,
      "endpoint_credentials" bytea,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_companies" PRIMARY KEY ("id"),
      CONSTRAINT "uq_companies_slug" UNIQUE ("slug"),
      CONSTRAINT "uq_companies_business_registration_number" UNIQUE ("business_registration_number"))`);
    await q.query(`CREATE TABLE "working_groups" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "slug" text NOT NULL,
      "name_en" text NOT NULL,
      "name_ko" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_working_groups" PRIMARY KEY ("id"),
      CONSTRAINT "uq_working_groups_slug" UNIQUE ("slug"))`);
    await q.query(`CREATE TABLE "users" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "email" text NOT NULL,
      "display_name" text NOT NULL,
      "is_admin" boolean NOT NULL DEFAULT false,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_users" PRIMARY KEY ("id"),
      CONSTRAINT "uq_users_email" UNIQUE ("email"))`);
    await q.query(`CREATE TABLE "company_members" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "user_id" uuid NOT NULL,
      "company_id" uuid NOT NULL,
      "role" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_company_members" PRIMARY KEY ("id"),
      CONSTRAINT "uq_company_members_user_company_role" UNIQUE ("user_id", "company_id", "role"),
      CONSTRAINT "ck_company_members_role" CHECK ("role" IN ('PUBLISHER', 'LEGAL')),
      CONSTRAINT "fk_company_members_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE,
      CONSTRAINT "fk_company_members_company" FOREIGN KEY ("company_id") REFERENCES "companies"("id") ON DELETE CASCADE)`);
    await q.query(`CREATE TABLE "working_group_members" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "user_id" uuid NOT NULL,
      "working_group_id" uuid NOT NULL,
      "role" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_working_group_members" PRIMARY KEY ("id"),
      CONSTRAINT "uq_working_group_members_user_group_role" UNIQUE ("user_id", "working_group_id", "role"),
      CONSTRAINT "ck_working_group_members_role" CHECK ("role" IN ('ANALYST', 'LEGAL')),
      CONSTRAINT "fk_working_group_members_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE,
      CONSTRAINT "fk_working_group_members_group" FOREIGN KEY ("working_group_id") REFERENCES "working_groups"("id") ON DELETE CASCADE)`);
    await q.query(`CREATE TABLE "api_tokens" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "user_id" uuid NOT NULL,
      "name" text NOT NULL,
      "prefix" text NOT NULL,
      "token_hash" bytea NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "expires_at" timestamptz NOT NULL,
      "revoked_at" timestamptz,
      "last_used_at" timestamptz,
      CONSTRAINT "pk_api_tokens" PRIMARY KEY ("id"),
      CONSTRAINT "uq_api_tokens_token_hash" UNIQUE ("token_hash"),
      CONSTRAINT "fk_api_tokens_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE)`);
    await q.query(`CREATE TABLE "audit_entries" (
      "seq" bigint NOT NULL,
      "occurred_at" timestamptz NOT NULL,
      "actor_user_id" uuid,
      "action" text NOT NULL,
      "company_id" uuid,
      "working_group_id" uuid,
      "subject_type" text NOT NULL,
      "subject_id" text,
      "payload" text NOT NULL,
      "prev_hash" text NOT NULL,
      "hash" text NOT NULL,
      CONSTRAINT "pk_audit_entries" PRIMARY KEY ("seq"))`);
    await q.query(`CREATE INDEX "ix_audit_entries_company_seq" ON "audit_entries" ("company_id", "seq")`);
    await q.query(
      `CREATE INDEX "ix_audit_entries_working_group_seq" ON "audit_entries" ("working_group_id", "seq")`,
    );
    // Append-only: the database itself refuses to rewrite history.
    await q.query(`CREATE FUNCTION "audit_entries_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER "trg_audit_entries_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_entries"
      FOR EACH ROW EXECUTE FUNCTION "audit_entries_refuse_change"()`);
    await q.query(`CREATE TRIGGER "trg_audit_entries_no_truncate" BEFORE TRUNCATE ON "audit_entries"
      FOR EACH STATEMENT EXECUTE FUNCTION "audit_entries_refuse_change"()`);
    for (const wg of WORKING_GROUPS) {
      await q.query(`INSERT INTO "working_groups" ("slug", "name_en", "name_ko") VALUES ($1, $2, $3)`, [
        wg.slug,
        wg.nameEn,
        wg.nameKo,
      ]);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "audit_entries"`);
    await q.query(`DROP FUNCTION "audit_entries_refuse_change"()`);
    await q.query(`DROP TABLE "api_tokens"`);
    await q.query(`DROP TABLE "working_group_members"`);
    await q.query(`DROP TABLE "company_members"`);
    await q.query(`DROP TABLE "users"`);
    await q.query(`DROP TABLE "working_groups"`);
    await q.query(`DROP TABLE "companies"`);
  }
}
