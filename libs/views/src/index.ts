/**
 * @maxhub/views — materialized de-identified views: writing them (materializeView: raw rows →
 * row filter → transforms → k-anonymity → chunks, manifest last), deleting them, reading them
 * (ViewReader with a byte-bounded LRU of verified, decoded chunks) and slice queries with
 * opaque cursors. No Nest, no database: the hub, the worker, tests and benchmarks share it.
 */
export { ViewError, ViewErrorCode } from './errors';
export { memoryStore, minioStore, type ViewStore } from './store';
export { MANIFEST_NAME, manifestKey, parseManifest, type ViewManifest, type ViewSummary } from './manifest';
export {
  deleteView,
  materializeView,
  pipelineColumns,
  resolveKAnonymity,
  type GrantedDataset,
  type MaterializeInput,
  type RawColumn,
} from './materialize';
export { ByteLru } from './lru';
export { createChunkCache, decodedCost, ViewReader, type ChunkRows } from './reader';
export {
  compileSlice,
  decodeCursor,
  encodeCursor,
  MAX_WHERE_PREDICATES,
  runSlice,
  type CompiledSlice,
  type SliceLimits,
  type SliceOrder,
  type SlicePage,
  type SliceRequest,
  type SliceScope,
} from './slice';
export { datasetColumns, type DatasetObject, viewPrefix } from './source';
