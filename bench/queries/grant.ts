/** The grant the query benchmarks materialize: what a real weld-line grant looks like. */
export const BENCH_GRANT = {
  columns: [
    {
      name: 'timestamp',
      transform: { kind: 'generalize', generalization: { method: 'time', level: 'hour' } },
    },
    { name: 'plant', transform: { kind: 'keep' } },
    { name: 'line', transform: { kind: 'keep' } },
    { name: 'station', transform: { kind: 'keep' } },
    { name: 'operator_id', transform: { kind: 'pseudonymize', bits: 128 } },
    { name: 'shift', transform: { kind: 'keep' } },
    { name: 'weld_current_a', transform: { kind: 'noise', magnitude: 2, digits: 1 } },
    { name: 'temperature_c', transform: { kind: 'keep' } },
    { name: 'defect', transform: { kind: 'keep' } },
  ],
  rowFilter: [{ column: 'plant', op: 'in', values: ['Ulsan-1', 'Asan-2'] }],
  kAnonymity: { k: 5, quasiIdentifiers: ['timestamp', 'plant', 'line', 'shift'], suppressionLimit: 0.05 },
};
