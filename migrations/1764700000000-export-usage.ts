import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Exports counted per grant and UTC day, as a v2 grant document limits them (`limits.exports.perDay`):
 * `grant_query_usage.exports`, and `maxhub_record_accesses` items may carry `exportLimit`; such an
 * item counts (and is served and audited) only while the day's exports are below it, in the same
 * conditional upsert that checks the day's queries. Items without it count as before.
 */
export class ExportUsage1764700000000 implements MigrationInterface {
  name = 'ExportUsage1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "grant_query_usage" ADD COLUMN "exports" int NOT NULL DEFAULT 0`);
    await q.query(`CREATE OR REPLACE FUNCTION "maxhub_record_accesses"("items" jsonb)
      RETURNS TABLE ("idx" int, "counted" boolean, "seq" bigint)
      LANGUAGE plpgsql AS $$
      DECLARE
        it jsonb;
        i int := 0;
        last_seq bigint;
        last_hash text;
        body text;
        next_hash text;
        ok boolean;
      BEGIN
        -- The chain's lock (the same id AuditService takes): appends never fork the chain.
        PERFORM pg_advisory_xact_lock(${0x6d617868});
        SELECT a.seq, a.hash INTO last_seq, last_hash FROM audit_entries a ORDER BY a.seq DESC LIMIT 1;
        IF last_seq IS NULL THEN
          last_seq := 0;
          last_hash := repeat('0', 64);
        END IF;
        FOR it IN SELECT value FROM jsonb_array_elements("items") LOOP
          ok := NULL;
          INSERT INTO grant_query_usage AS u (grant_id, day, queries, rows_returned, exports)
            VALUES ((it->>'grantId')::uuid, (it->>'day')::date, 1, (it->>'rows')::bigint,
                    CASE WHEN it ? 'exportLimit' THEN 1 ELSE 0 END)
            ON CONFLICT (grant_id, day) DO UPDATE
              SET queries = u.queries + 1, rows_returned = u.rows_returned + EXCLUDED.rows_returned,
                  exports = u.exports + EXCLUDED.exports
              WHERE u.queries < (it->>'limit')::int
                AND (NOT it ? 'exportLimit' OR u.exports < (it->>'exportLimit')::int)
            RETURNING true INTO ok;
          idx := i;
          counted := coalesce(ok, false);
          seq := NULL;
          IF counted THEN
            last_seq := last_seq + 1;
            body := (it->>'head') || last_seq::text || (it->>'tail');
            next_hash := encode(sha256(convert_to(last_hash || E'\\n' || body, 'UTF8')), 'hex');
            INSERT INTO audit_entries (seq, occurred_at, actor_user_id, action, company_id, working_group_id,
                                       subject_type, subject_id, payload, prev_hash, hash)
              VALUES (last_seq, (it->>'occurredAt')::timestamptz, (it->>'actorUserId')::uuid, it->>'action',
                      (it->>'companyId')::uuid, (it->>'workingGroupId')::uuid, it->>'subjectType',
                      it->>'subjectId', body, last_hash, next_hash);
            last_hash := next_hash;
            seq := last_seq;
          END IF;
          RETURN NEXT;
          i := i + 1;
        END LOOP;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE OR REPLACE FUNCTION "maxhub_record_accesses"("items" jsonb)
      RETURNS TABLE ("idx" int, "counted" boolean, "seq" bigint)
      LANGUAGE plpgsql AS $$
      DECLARE
        it jsonb;
        i int := 0;
        last_seq bigint;
        last_hash text;
        body text;
        next_hash text;
        ok boolean;
      BEGIN
        -- The chain's lock (the same id AuditService takes): appends never fork the chain.
        PERFORM pg_advisory_xact_lock(${0x6d617868});
        SELECT a.seq, a.hash INTO last_seq, last_hash FROM audit_entries a ORDER BY a.seq DESC LIMIT 1;
        IF last_seq IS NULL THEN
          last_seq := 0;
          last_hash := repeat('0', 64);
        END IF;
        FOR it IN SELECT value FROM jsonb_array_elements("items") LOOP
          ok := NULL;
          INSERT INTO grant_query_usage AS u (grant_id, day, queries, rows_returned)
            VALUES ((it->>'grantId')::uuid, (it->>'day')::date, 1, (it->>'rows')::bigint)
            ON CONFLICT (grant_id, day) DO UPDATE
              SET queries = u.queries + 1, rows_returned = u.rows_returned + EXCLUDED.rows_returned
              WHERE u.queries < (it->>'limit')::int
            RETURNING true INTO ok;
          idx := i;
          counted := coalesce(ok, false);
          seq := NULL;
          IF counted THEN
            last_seq := last_seq + 1;
            body := (it->>'head') || last_seq::text || (it->>'tail');
            next_hash := encode(sha256(convert_to(last_hash || E'\\n' || body, 'UTF8')), 'hex');
            INSERT INTO audit_entries (seq, occurred_at, actor_user_id, action, company_id, working_group_id,
                                       subject_type, subject_id, payload, prev_hash, hash)
              VALUES (last_seq, (it->>'occurredAt')::timestamptz, (it->>'actorUserId')::uuid, it->>'action',
                      (it->>'companyId')::uuid, (it->>'workingGroupId')::uuid, it->>'subjectType',
                      it->>'subjectId', body, last_hash, next_hash);
            last_hash := next_hash;
            seq := last_seq;
          END IF;
          RETURN NEXT;
          i := i + 1;
        END LOOP;
      END $$`);
    await q.query(`ALTER TABLE "grant_query_usage" DROP COLUMN "exports"`);
  }
}
