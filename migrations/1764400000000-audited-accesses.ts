import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `maxhub_record_accesses(items jsonb)`: the decision of a batch of data accesses in ONE
 * statement (so one transaction, one commit): for each item, in order, the day's usage is
 * counted (a conditional upsert that fails when the grant's queries per day are used up) and,
 * when it counted, the audit entry is chained and inserted. The hub groups concurrent accesses
 * into one call (group commit), so the chain's lock and the commit's WAL flush are paid once per
 * batch instead of once per query.
 *
 * The audit payload is built by the hub (canonical JSON, RFC 8785) around the one value only the
 * database knows: the sequence number. An item carries `head` and `tail`, and the payload is
 * head ‖ seq ‖ tail; the hash is SHA-256(prev_hash ‖ "\n" ‖ payload), exactly as
 * @maxhub/audit's chainHash computes it, and `maxhub audit verify` re-checks both.
 *
 * Item: { grantId, day, rows, limit, occurredAt, actorUserId, action, companyId, workingGroupId,
 *         subjectType, subjectId, head, tail }. Returns one row per item: (idx, counted, seq).
 */
export class AuditedAccesses1764400000000 implements MigrationInterface {
  name = 'AuditedAccesses1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION "maxhub_record_accesses"("items" jsonb)
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
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION "maxhub_record_accesses"(jsonb)`);
  }
}
