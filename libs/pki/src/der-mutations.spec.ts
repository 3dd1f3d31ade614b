/**
 * Property suite: DER mutations (bit flips, truncations, length-octet changes, inserted and
 * deleted bytes) of a valid detached CMS signature and of a valid member certificate. Every
 * mutated input is either refused with a PkiError carrying a PKI_* code — never another
 * exception type — or, only when the mutation left it meaning the same thing, accepted with the
 * same verdict as the original; and every refusal stays within a CPU budget.
 */
import fc from 'fast-check';
import { describeCertificate } from './certificate';
import { signDetached, verifyDetached, type VerifiedSignature } from './cms';
import { fromPem, toPem } from './pem';
import { PkiError, PkiErrorCode } from './pki.errors';
import { buildFixture, T, type Fixture } from './pki.test-fixtures';

const content = Buffer.from(
  '{"grantId":"7d0c1c1e-2f55-4c0a-9a43-1f1a2b3c4d5e","purpose":"변형 시험"}',
  'utf8',
);
const CODES = new Set<string>(Object.values(PkiErrorCode));
/** At least this CPU per verification is always allowed (see `budgetMs`). */
const CPU_FLOOR_MS = 100;

let f: Fixture;
let cms: Buffer;
/** The same signature without its certificates field: the signer certificate is supplied apart. */
let bareCms: Buffer;
let leafDer: Buffer;
let expected: VerifiedSignature;
/** CPU bound per verification: the larger of CPU_FLOOR_MS and 3 genuine verifications here and now. */
let budgetMs = CPU_FLOOR_MS;

beforeAll(async () => {
  f = await buildFixture();
  cms = signDetached(content, f.leafKeyPem, f.leafCertPem, [f.pki.issuingCertPem], { signingTime: T.signed });
  bareCms = withoutCertificates(cms);
  leafDer = fromPem(f.leafCertPem, 'CERTIFICATE');
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const start = process.cpuUsage();
    expected = await verifyDetached(cmsParams(cms));
    const used = process.cpuUsage(start);
    if (i > 0) times.push((used.user + used.system) / 1000); // the first one warms the JIT up
  }
  times.sort((a, b) => a - b);
  budgetMs = Math.max(CPU_FLOOR_MS, 3 * times[2]);
}, 120_000);

function cmsParams(signature: Buffer) {
  return {
    content,
    signature,
    trustAnchorsPem: [f.pki.rootCertPem],
    intermediatesPem: [],
    crlsPem: [f.crlPem],
    now: T.now,
  };
}

// ---------------------------------------------------------------- DER helpers (test-only)

interface Tlv {
  /** Offset of the first length octet and how many there are. */
  lengthAt: number;
  lengthOctets: number;
  start: number;
  end: number;
}

function tlvAt(b: Uint8Array, at: number): Tlv {
  let len = b[at + 1];
  let lengthOctets = 1;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[at + 2 + i];
    lengthOctets += n;
  }
  const start = at + 1 + lengthOctets;
  return { lengthAt: at + 1, lengthOctets, start, end: start + len };
}

/** Every TLV of a DER value, descending into constructed ones. */
function allTlvs(b: Uint8Array, from = 0, to = b.length, out: Tlv[] = []): Tlv[] {
  for (let at = from; at < to;) {
    const t = tlvAt(b, at);
    out.push(t);
    if (b[at] & 0x20) allTlvs(b, t.start, t.end, out);
    at = t.end;
  }
  return out;
}

function encodeTlv(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const len =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

/** ContentInfo { id-signedData, [0] SignedData } rebuilt without SignedData's [0] certificates. */
function withoutCertificates(der: Buffer): Buffer {
  const info = tlvAt(der, 0);
  const type = tlvAt(der, info.start);
  const explicit = tlvAt(der, type.end);
  const sd = tlvAt(der, explicit.start);
  const fields: Buffer[] = [];
  for (let at = sd.start; at < sd.end;) {
    const field = tlvAt(der, at);
    if (der[at] !== 0xa0) fields.push(der.subarray(at, field.end));
    at = field.end;
  }
  const signedData = encodeTlv(0x30, Buffer.concat(fields));
  return encodeTlv(0x30, Buffer.concat([der.subarray(info.start, type.end), encodeTlv(0xa0, signedData)]));
}

// ---------------------------------------------------------------- mutations

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'length'; tlv: number; to: number };

/** Arbitrary mutations of `base`, length-octet changes aimed at its real TLV headers. */
function mutations(base: Uint8Array): fc.Arbitrary<Mutation> {
  const tlvs = allTlvs(base);
  const n = base.length;
  return fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(n - 1), bit: fc.nat(7) }),
    fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat(n - 1) }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(n),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
    }),
    fc.record({
      kind: fc.constant('delete' as const),
      at: fc.nat(n - 1),
      count: fc.integer({ min: 1, max: 8 }),
    }),
    fc.record({ kind: fc.constant('length' as const), tlv: fc.nat(tlvs.length - 1), to: fc.nat(255) }),
  );
}

function apply(base: Uint8Array, m: Mutation): Buffer {
  const b = Buffer.from(base);
  switch (m.kind) {
    case 'flip':
      b[m.at] ^= 1 << m.bit;
      return b;
    case 'truncate':
      return b.subarray(0, m.keep);
    case 'insert':
      return Buffer.concat([b.subarray(0, m.at), m.bytes, b.subarray(m.at)]);
    case 'delete':
      return Buffer.concat([b.subarray(0, m.at), b.subarray(m.at + m.count)]);
    case 'length': {
      // Rewrites the last length octet: the value shrinks or grows, or a short form turns into
      // a long form (0x80..0xff) whose following octets are whatever comes next.
      const t = allTlvs(base)[m.tlv];
      b[t.lengthAt + t.lengthOctets - 1] = m.to;
      return b;
    }
  }
}

/**
 * Runs `work` and classifies its outcome: a PKI_* refusal, or acceptance. Anything else thrown
 * (a TypeError from a parser, say) fails the property. Also returns the CPU it took.
 */
async function outcome<T>(work: () => Promise<T> | T): Promise<{ code: string; value?: T; cpuMs: number }> {
  const start = process.cpuUsage();
  let result: { code: string; value?: T };
  try {
    result = { code: 'OK', value: await work() };
  } catch (e) {
    if (!(e instanceof PkiError)) throw e;
    result = { code: e.code };
  }
  const used = process.cpuUsage(start);
  return { ...result, cpuMs: (used.user + used.system) / 1000 };
}

function expectRefusedOrSame<T>(r: { code: string; value?: T; cpuMs: number }, same: T): void {
  if (r.code === 'OK') {
    expect(r.value).toEqual(same);
  } else {
    expect(CODES.has(r.code)).toBe(true);
    expect(r.cpuMs).toBeLessThan(budgetMs);
  }
}

// ---------------------------------------------------------------- properties

describe('DER mutations are refused with a PKI_* code or leave the verdict unchanged', () => {
  it('accepts the unmutated inputs (the properties start from valid ones)', async () => {
    expect((await outcome(() => verifyDetached(cmsParams(cms)))).code).toBe('OK');
    const bare = await outcome(() =>
      verifyDetached({ ...cmsParams(bareCms), intermediatesPem: [f.leafCertPem, f.pki.issuingCertPem] }),
    );
    expect(bare.value).toEqual(expected);
  });

  it('holds for mutated detached CMS signatures', async () => {
    await fc.assert(
      fc.asyncProperty(mutations(cms), async (m) => {
        const r = await outcome(() => verifyDetached(cmsParams(apply(cms, m))));
        expectRefusedOrSame(r, expected);
      }),
      { numRuns: 250 },
    );
  }, 60_000);

  it('holds for mutated member certificates supplied to verification', async () => {
    await fc.assert(
      fc.asyncProperty(mutations(leafDer), async (m) => {
        const pem = toPem(apply(leafDer, m), 'CERTIFICATE');
        const r = await outcome(() =>
          verifyDetached({ ...cmsParams(bareCms), intermediatesPem: [pem, f.pki.issuingCertPem] }),
        );
        expectRefusedOrSame(r, expected);
      }),
      { numRuns: 200 },
    );
  }, 60_000);

  it('holds for mutated member certificates described (the CLI and the hub read certificates this way)', async () => {
    const original = describeCertificate(f.leafCertPem);
    await fc.assert(
      fc.asyncProperty(mutations(leafDer), async (m) => {
        const r = await outcome(() => describeCertificate(toPem(apply(leafDer, m), 'CERTIFICATE')));
        // A description is not a verdict: a mutated certificate may describe differently, but
        // reading it either works or fails with a PKI_* code, quickly.
        if (r.code !== 'OK') expect(CODES.has(r.code)).toBe(true);
        expect(r.cpuMs).toBeLessThan(budgetMs);
        if (r.code === 'OK' && r.value?.fingerprintSha256 === original.fingerprintSha256) {
          expect(r.value).toEqual(original);
        }
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});
