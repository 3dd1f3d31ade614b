/**
 * Test data that needs no running hub: the shapes the hub factories return, signer keys, and
 * the weld log (with canary values) that the query tests publish and grant.
 */
import type { DatasetColumnRecord } from '@maxhub/db';
import { createKeyAndCsr } from '@maxhub/pki';

/** A PUBLISHED dataset version made directly in the database (no object in MinIO). */
export interface TestDatasetVersion {
  datasetId: string;
  versionId: string;
  version: number;
  name: string;
}

/** A legal signer: a person with the LEGAL role, their API token, key and hub-issued certificate. */
export interface TestSigner {
  email: string;
  token: string;
  keyPem: string;
  certPem: string;
  certificateId: string;
  serialNumber: string;
}

/** Generates a key and CSR (RSA-3072, slow: reuse within a file) for `name`. */
export function newKeyAndCsr(name: string, org: string, orgKind: 'company' | 'working-group') {
  return createKeyAndCsr({ name, org, orgKind, role: 'LEGAL' });
}

/** Columns of the test weld log: two identifiers, quasi-identifiers, a trade secret, a flag. */
export const WELD_COLUMNS: DatasetColumnRecord[] = [
  { name: 'operator_id', type: 'string', class: 'DIRECT_IDENTIFIER', nullable: false },
  { name: 'badge_id', type: 'string', class: 'DIRECT_IDENTIFIER', nullable: false },
  { name: 'machine_serial', type: 'string', class: 'DIRECT_IDENTIFIER', nullable: false },
  { name: 'line', type: 'string', class: 'QUASI_IDENTIFIER', nullable: false },
  { name: 'welded_at', type: 'timestamp', class: 'QUASI_IDENTIFIER', nullable: false },
  { name: 'recipe', type: 'string', class: 'TRADE_SECRET', nullable: false },
  { name: 'current_ka', type: 'decimal', class: 'SENSITIVE', nullable: false },
  { name: 'defect', type: 'boolean', class: 'SENSITIVE', nullable: false },
];

/** Canary prefixes planted in every dropped or pseudonymized column. */
export const CANARY = {
  operator: 'CANARYOP',
  badge: 'CANARYBADGE',
  serial: 'CANARYSN',
  recipe: 'CANARYRECIPE',
};

/** A CSV weld log whose identifiers and secrets are canary values; mostly large classes, a few singletons. */
export function weldCsv(rows: number): { csv: Buffer; operators: string[] } {
  const base = Date.UTC(2025, 1, 3, 0, 0, 0);
  const lines = ['operator_id,badge_id,machine_serial,line,welded_at,recipe,current_ka,defect'];
  const operators: string[] = [];
  for (let i = 0; i < rows; i++) {
    const op = `${CANARY.operator}${String(i % 40).padStart(4, '0')}`;
    operators.push(op);
    // Hours 0..5 hold many rows; every 97th row falls in a lonely hour of its own (to be suppressed).
    const hour = i % 97 === 96 ? 10 + (i % 7) : i % 6;
    const at = new Date(base + hour * 3600_000 + (i % 60) * 1000).toISOString();
    lines.push(
      [
        op,
        `${CANARY.badge}${String(i % 40).padStart(4, '0')}`,
        `${CANARY.serial}${String(i % 9).padStart(3, '0')}`,
        `L${1 + (i % 4)}`,
        at,
        `${CANARY.recipe}${i % 5}`,
        (12 + (i % 17) / 10).toFixed(1),
        i % 11 === 0 ? 'true' : 'false',
      ].join(','),
    );
  }
  return { csv: Buffer.from(lines.join('\n') + '\n', 'utf8'), operators };
}

/** The grant terms the query tests use (pseudonymized ids, a row filter, k = 5). */
export function weldGrantTerms(
  ds: TestDatasetVersion,
  extra: {
    rowsPerQuery?: number;
    queriesPerDay?: number;
    exports?: { allowed: boolean; maxRowsPerExport: number; perDay: number };
  } = {},
) {
  return {
    datasets: [
      {
        datasetId: ds.datasetId,
        version: ds.version,
        columns: [
          { name: 'operator_id', transform: { kind: 'pseudonymize', bits: 128 } },
          { name: 'badge_id', transform: { kind: 'pseudonymize', bits: 128 } },
          { name: 'line', transform: { kind: 'keep' } },
          {
            name: 'welded_at',
            transform: { kind: 'generalize', generalization: { method: 'time', level: 'hour' } },
          },
          { name: 'current_ka', transform: { kind: 'keep' } },
          { name: 'defect', transform: { kind: 'keep' } },
        ],
        rowFilter: [{ column: 'line', op: 'in', values: ['L1', 'L2', 'L3'] }],
        kAnonymity: { k: 5, quasiIdentifiers: ['line', 'welded_at'], suppressionLimit: 0.1 },
      },
    ],
    limits: {
      rowsPerQuery: extra.rowsPerQuery ?? 500,
      queriesPerDay: extra.queriesPerDay ?? 1000,
      ...(extra.exports ? { exports: extra.exports } : {}),
    },
  };
}
