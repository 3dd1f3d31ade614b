/** Shared operations and inputs of the grant e2e tests. */
import { signDetached } from '@maxhub/pki';
import type { TestDatasetVersion, TestSigner } from '@maxhub/testing';

export const COLUMNS = [
  { name: 'operator_id', type: 'string', class: 'DIRECT_IDENTIFIER', nullable: false },
  { name: 'line', type: 'string', class: 'QUASI_IDENTIFIER', nullable: false },
  { name: 'welded_at', type: 'timestamp', class: 'QUASI_IDENTIFIER', nullable: false },
  { name: 'current_ka', type: 'decimal', class: 'SENSITIVE', nullable: false },
  { name: 'defect', type: 'boolean', class: 'SENSITIVE', nullable: false },
];

export const DRAFT = `mutation($input: DraftGrantInput!) {
  draftGrant(input: $input) { id grantId version state sha256 canonicalDocument text textKo supersedesSha256 }
}`;
export const ATTACH = `mutation($g: ID!, $v: Int!, $s: String!, $p: GrantParty) {
  attachGrantSignature(grantId: $g, version: $v, signature: $s, party: $p) { version state signatures { party current } }
}`;
export const GRANT = `query($id: ID!) {
  grant(id: $id) { id state currentVersion { version state sha256 } versions { version state signatures { party current } } }
}`;
export const TERMINATE = `mutation($g: ID!, $d: String!, $s: String!) {
  terminateGrant(grantId: $g, terminationDocument: $d, signature: $s) { id state }
}`;

export function draftInput(
  company: string,
  group: string,
  ds: TestDatasetVersion,
  extra: Record<string, unknown> = {},
) {
  const now = Date.now();
  return {
    grantorCompanySlug: company,
    granteeWorkingGroupSlug: group,
    purpose: 'Train a weld-defect model for the AI factory working group.',
    termFrom: new Date(now - 3600_000).toISOString(),
    termUntil: new Date(now + 30 * 86_400_000).toISOString(),
    datasets: [
      {
        datasetId: ds.datasetId,
        version: ds.version,
        columns: [
          { name: 'operator_id', transform: { kind: 'pseudonymize', bits: 128 } },
          { name: 'line', transform: { kind: 'keep' } },
          {
            name: 'welded_at',
            transform: { kind: 'generalize', generalization: { method: 'time', level: 'hour' } },
          },
          { name: 'current_ka', transform: { kind: 'keep' } },
          { name: 'defect', transform: { kind: 'keep' } },
        ],
        rowFilter: [{ column: 'line', op: 'in', values: ['L1', 'L2'] }],
        kAnonymity: { k: 5, quasiIdentifiers: ['line', 'welded_at'], suppressionLimit: 0.05 },
      },
    ],
    limits: { rowsPerQuery: 10000, queriesPerDay: 500 },
    ...extra,
  };
}

/** Base64 DER of a detached signature by `signer` over `bytes`. */
export function sign(signer: Pick<TestSigner, 'keyPem' | 'certPem'>, bytes: Buffer | string): string {
  const content = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  return signDetached(content, signer.keyPem, signer.certPem).toString('base64');
}
