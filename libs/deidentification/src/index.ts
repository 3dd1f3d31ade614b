/**
 * @maxhub/deidentification — the pure de-identification engine: keyed pseudonyms, generalization,
 * date shifting, bounded noise, typed predicates, compiled per-dataset pipelines, k-anonymity
 * with fixed levels (streamed in one pass or two), and the risk review: an exact lattice search
 * over a frequency table for k-anonymity, ℓ-diversity and t-closeness with ARX's semantics,
 * reported as canonical JSON. No I/O, no Nest, no process.env: keys come in as arguments.
 */
export * from './spec';
export { DeidErrorCode, DeidentificationError } from './errors';
export { canonicalString, canonicalNumber } from './canonical';
export {
  deriveKey,
  assertMasterSecret,
  MIN_MASTER_SECRET_BYTES,
  MIN_DERIVED_KEY_BITS,
  type KeyPurpose,
} from './keys';
export {
  createPseudonymizer,
  base32,
  PSEUDONYM_PREFIX,
  DEFAULT_CACHE_SIZE,
  type PseudonymEncoding,
  type PseudonymizerOptions,
} from './pseudonymize';
export {
  compileGeneralization,
  compileHierarchy,
  validateHierarchy,
  generalizedType,
  SUPPRESSED,
  type Generalizer,
} from './generalize';
export { createDateShifter, createEntityShift, type DateShifter } from './shift-date';
export { createNoiser, createRowUniform, type NoiseOptions, type Noiser } from './noise';
export { compilePredicates, type RowPredicate } from './predicates';
export {
  compilePipeline,
  type CompiledPipeline,
  type OutputColumn,
  type PipelineColumn,
  type PipelineOptions,
  type ResolvedKAnonymity,
} from './pipeline';
export {
  ClassCounter,
  createSuppressor,
  encodeClassKey,
  releaseReport,
  riskReport,
  TupleClassCounter,
  type ClassSizeBar,
  type RiskReport,
  type Suppressor,
} from './k-anonymity';
export {
  searchLattice,
  type EvaluatedNode,
  type LatticeQuasiIdentifier,
  type LatticeSearchOptions,
  type LatticeSearchResult,
} from './lattice';
export {
  compileLevels,
  findHierarchyProblem,
  findTableHierarchyProblem,
  hierarchyHeight,
  labelContains,
  parseHierarchy,
  refuseHierarchyProblem,
  type HierarchyInput,
  type HierarchyProblem,
} from './hierarchy';
export {
  buildFrequencyTable,
  compareCells,
  FrequencyTableBuilder,
  MAX_TABLE_ROWS,
  type FrequencyTable,
  type FrequencyTableOptions,
  type SensitiveHistograms,
  type TableQuasiIdentifier,
  type TableQuasiIdentifierInput,
  type TableSensitive,
} from './frequency-table';
export {
  reviewRisk,
  type EvaluatedReviewNode,
  type ReviewQuasiIdentifier,
  type RiskReviewOptions,
} from './review';
export {
  canonicalRiskReview,
  formatRatio,
  RISK_REVIEW_SCHEMA,
  riskReviewSha256,
  type ProsecutorRisk,
  type Ratio,
  type ReviewedQuasiIdentifier,
  type RiskReview,
} from './review-report';
