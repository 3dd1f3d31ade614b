import fc from 'fast-check';
import {
  auditPayload,
  auditPayloadAroundSeq,
  chainHash,
  GENESIS_HASH,
  StoredAuditEntry,
  verifyChain,
} from './chain';

function makeChain(n: number): StoredAuditEntry[] {
  const out: StoredAuditEntry[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const occurredAt = new Date(Date.UTC(2026, 0, 1, 0, 0, i));
    const fields = {
      seq: i,
      occurredAt: occurredAt.toISOString(),
      actorUserId: null,
      action: 'company.registered',
      companyId: null,
      workingGroupId: null,
      subjectType: 'company',
      subjectId: `c${i}`,
      details: { n: i },
    };
    const payload = auditPayload(fields);
    const hash = chainHash(prev, payload);
    out.push({ ...fields, occurredAt, payload, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

describe('audit chain', () => {
  it('verifies an untouched chain', async () => {
    const r = await verifyChain(makeChain(5));
    expect(r).toMatchObject({ ok: true, entries: 5 });
  });

  it('verifies an empty chain', async () => {
    expect(await verifyChain([])).toEqual({ ok: true, entries: 0, lastHash: GENESIS_HASH });
  });

  it('names an entry whose payload was edited', async () => {
    const c = makeChain(5);
    c[2].payload = c[2].payload.replace('"n":3', '"n":4');
    expect((await verifyChain(c)).firstBroken).toEqual({ seq: 3, reason: 'HASH_MISMATCH' });
  });

  it('names an entry whose indexed column disagrees with its payload', async () => {
    const c = makeChain(5);
    c[1].companyId = 'someone-else';
    expect((await verifyChain(c)).firstBroken).toEqual({ seq: 2, reason: 'COLUMN_PAYLOAD_MISMATCH' });
  });

  it('names the entry after a deleted one', async () => {
    const c = makeChain(5);
    c.splice(2, 1);
    expect((await verifyChain(c)).firstBroken).toEqual({ seq: 4, reason: 'SEQUENCE_GAP' });
  });

  it('names an entry whose payload and hash were both rewritten', async () => {
    const c = makeChain(5);
    c[2].payload = c[2].payload.replace('"n":3', '"n":9');
    c[2].hash = chainHash(c[2].prevHash, c[2].payload);
    expect((await verifyChain(c)).firstBroken).toEqual({ seq: 4, reason: 'PREV_HASH_MISMATCH' });
  });

  it('splits a payload around seq so that head + seq + tail is the canonical payload', () => {
    const text = fc.oneof(fc.string(), fc.constantFrom(',"seq":0,"subjectId":', '"seq":0', '\\",\\"seq'));
    const nullable = fc.option(text, { nil: null });
    fc.assert(
      fc.property(
        fc.record({
          occurredAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          actorUserId: nullable,
          action: text,
          companyId: nullable,
          workingGroupId: nullable,
          subjectType: text,
          subjectId: nullable,
          details: fc.dictionary(
            fc.oneof(fc.string(), fc.constant('seq')),
            fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.constant({ seq: 0 })),
          ),
        }),
        fc.nat(),
        (fields, seq) => {
          const { head, tail } = auditPayloadAroundSeq(fields);
          expect(head + String(seq) + tail).toBe(auditPayload({ ...fields, seq }));
        },
      ),
      { numRuns: 500 },
    );
  });
});
