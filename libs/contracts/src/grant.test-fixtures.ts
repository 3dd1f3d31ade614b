/** Test-only sample grant and dataset schemas. */
import type { DatasetSchema } from '../../formats/src/schema';
import type { GrantDocument } from './grant';

export const DATASET_ID = '3b1f6a2e-8c4d-4e5f-9a6b-7c8d9e0f1a2b';

/** A press-line sensor dataset with every kind of column. */
export const SENSOR_SCHEMA: DatasetSchema = {
  columns: [
    { name: 'operator_id', type: 'string', class: 'DIRECT_IDENTIFIER', nullable: false },
    { name: 'plant', type: 'string', class: 'QUASI_IDENTIFIER', nullable: false },
    { name: 'shift_start', type: 'timestamp', class: 'QUASI_IDENTIFIER', nullable: false },
    { name: 'birth_date', type: 'date', class: 'QUASI_IDENTIFIER', nullable: true },
    { name: 'torque_nm', type: 'decimal', class: 'SENSITIVE', nullable: false },
    { name: 'defect', type: 'boolean', class: 'SENSITIVE', nullable: false },
    { name: 'recipe_temp', type: 'integer', class: 'TRADE_SECRET', nullable: true },
  ],
};

/** A fully written-out grant (defaults explicit, so its canonical bytes round-trip). */
export function sampleGrant(): GrantDocument {
  return {
    schema: 'maxhub.grant/v1',
    grantId: '7d0c1c1e-2f55-4c0a-9a43-1f1a2b3c4d5e',
    version: 1,
    grantor: { companySlug: 'hanil-motors', companyName: '한일자동차' },
    grantee: { workingGroupSlug: 'ai-factory', workingGroupName: 'AI 팩토리' },
    purpose: 'Train a defect-prediction model for press lines.',
    term: { from: '2026-03-01T00:00:00Z', until: '2027-02-28T23:59:59Z' },
    datasets: [
      {
        datasetId: DATASET_ID,
        name: 'Press line sensors',
        version: 3,
        columns: [
          { name: 'operator_id', transform: { kind: 'pseudonymize', bits: 128 } },
          {
            name: 'plant',
            transform: {
              kind: 'generalize',
              generalization: { method: 'map', map: { Ulsan: 'South', Asan: 'Central' }, otherwise: '*' },
            },
          },
          {
            name: 'shift_start',
            transform: { kind: 'generalize', generalization: { method: 'time', level: 'hour' } },
          },
          {
            name: 'birth_date',
            transform: { kind: 'generalize', generalization: { method: 'time', level: 'year' } },
          },
          { name: 'torque_nm', transform: { kind: 'noise', magnitude: 0.05, relative: true, digits: 1 } },
          { name: 'defect', transform: { kind: 'keep' } },
        ],
        rowFilter: [{ column: 'torque_nm', op: 'between', low: 0, high: 500 }],
        kAnonymity: {
          k: 5,
          quasiIdentifiers: ['plant', 'shift_start', 'birth_date'],
          suppressionLimit: 0.04,
        },
      },
    ],
    limits: { rowsPerQuery: 10000, queriesPerDay: 500 },
    createdAt: '2026-02-20T08:30:00Z',
  };
}

export const SCHEMAS: ReadonlyMap<string, DatasetSchema> = new Map([[DATASET_ID, SENSOR_SCHEMA]]);
