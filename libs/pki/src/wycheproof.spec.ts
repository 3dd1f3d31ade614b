/**
 * Wycheproof RSA PKCS#1 v1.5 / SHA-256 vectors through the primitive the verifier relies on:
 * pkijs's crypto engine (Node webcrypto) importing an SPKI and verifying RSASSA-PKCS1-v1_5.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { engine, toArrayBuffer } from './asn1';

interface WycheproofFile {
  testGroups: {
    publicKeyDer: string;
    sha: string;
    tests: { tcId: number; msg: string; sig: string; result: 'valid' | 'invalid' | 'acceptable' }[];
  }[];
}

const VECTORS = join(__dirname, '../test-vectors/wycheproof');

async function verify(spkiHex: string, msgHex: string, sigHex: string): Promise<boolean> {
  try {
    const key = await engine.importKey(
      'spki',
      toArrayBuffer(Buffer.from(spkiHex, 'hex')),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    return await engine.verify(
      'RSASSA-PKCS1-v1_5',
      key,
      toArrayBuffer(Buffer.from(sigHex, 'hex')),
      toArrayBuffer(Buffer.from(msgHex, 'hex')),
    );
  } catch {
    return false; // a key or signature the engine refuses to process counts as "not verified"
  }
}

describe.each(['2048', '3072'])('Wycheproof RSA PKCS#1 v1.5 SHA-256 %s', (bits) => {
  const file = JSON.parse(
    readFileSync(join(VECTORS, `rsa_signature_${bits}_sha256_test.json`), 'utf8'),
  ) as WycheproofFile;

  it('accepts every valid signature and rejects every invalid one', async () => {
    const wrong: number[] = [];
    const counts = { valid: 0, invalid: 0, acceptableAccepted: 0, acceptableRejected: 0 };
    for (const group of file.testGroups) {
      expect(group.sha).toBe('SHA-256');
      for (const t of group.tests) {
        const ok = await verify(group.publicKeyDer, t.msg, t.sig);
        if (t.result === 'acceptable') {
          counts[ok ? 'acceptableAccepted' : 'acceptableRejected']++;
        } else if (ok === (t.result === 'valid')) {
          counts[t.result]++;
        } else {
          wrong.push(t.tcId);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(counts.valid).toBeGreaterThanOrEqual(8);
    expect(counts.invalid).toBeGreaterThanOrEqual(249);
    expect(counts.acceptableAccepted + counts.acceptableRejected).toBe(1);
  });
});
