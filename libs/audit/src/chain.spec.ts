import { auditPayload, chainHash, GENESIS_HASH, StoredAuditEntry, verifyChain } from './chain';

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
});
