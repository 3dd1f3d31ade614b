/**
 * @maxhub/synthetic — reproducible synthetic manufacturing datasets (weld lines, ship-block
 * inspections, humanoid actuator tests) for demos, tests and benchmarks. Pure and streaming.
 */
export { KINDS, type KindDefinition, SYNTHETIC_KINDS, type SyntheticKind } from './kinds';
export {
  columnsOf,
  describeKind,
  generate,
  generateBatches,
  type GenerateInput,
  generateRows,
  type GenerateRowsInput,
} from './generate';
export { Prng } from './prng';
