/**
 * Materialization of one granted dataset version: raw rows → the grant's row filter →
 * transforms → k-anonymity → the view's row order → chunks in the owner's bucket, the manifest
 * written last.
 *
 * The raw object is read ONCE: its rows are transformed, counted by class (fixed-level
 * k-anonymity needs every class size before anything may be released) and handed to the row
 * shuffler (row-order.ts), which puts them in the view's order — a permutation keyed per grant,
 * so that row positions do not link two grants' views (invariant 7). The shuffler holds a
 * bounded number of rows; a large view's rows wait, compressed, in spool objects under the
 * view's prefix in the owner's bucket. The chunks are then written in the view's order, leaving
 * out the rows of classes smaller than k (known only once the whole object was read). The older
 * two-pass path (`passes: 2`: pass 1 counts classes, pass 2 hands over only released rows) stays
 * available and yields the same view: the order depends only on the grant, the view and which
 * rows are released.
 *
 * Memory is one batch, the shuffler's bounded rows and spool budget, one chunk in flight per
 * upload slot and the class counts — never the object. Nothing is served before the manifest
 * exists, and it is written last, after the spool objects are removed. A retry starts from
 * scratch: every object under the prefix is deleted first, so a crash never leaves a view that
 * looks complete; a refused or failed materialization removes what it staged.
 */
import {
  type CellValue,
  CHUNKED_VIEW_FORMAT,
  type ChunkInfo,
  type ColumnBatch,
  ChunkedViewWriter,
  chunkObjectName,
  type ColumnType,
  type EncodedChunk,
  type Row,
  type RowPrefilter,
} from '@maxhub/formats';
import {
  ClassCounter,
  type CompiledPipeline,
  compilePipeline,
  createSuppressor,
  encodeClassKey,
  KAnonymitySpecSchema,
  type PipelineColumn,
  releaseReport,
  type ResolvedKAnonymity,
  TupleClassCounter,
} from '@maxhub/deidentification';
import { ViewError, ViewErrorCode } from './errors';
import { manifestKey, type ViewManifest, type ViewSummary } from './manifest';
import { RowShuffler, RowTagger, rowOrderKey } from './row-order';
import type { ViewStore } from './store';

/** Where the row shuffler spools under a view's prefix (removed before the manifest is written). */
const SPOOL_DIR = 'spool/';

/** A column of the raw dataset version (from its validated schema). */
export interface RawColumn {
  name: string;
  type: ColumnType;
  /** DIRECT_IDENTIFIER, QUASI_IDENTIFIER, … (decides the default quasi-identifiers). */
  class: string;
}

/** What a grant says about one dataset (the shape of @maxhub/contracts' GrantDataset). */
export interface GrantedDataset {
  columns: ReadonlyArray<{ name: string; transform: unknown }>;
  rowFilter?: readonly unknown[];
  kAnonymity?: unknown;
}

/** Input of {@link materializeView}. */
export interface MaterializeInput {
  store: ViewStore;
  /** Object prefix of the view, ending with "/" (e.g. `shares/<grant>/<datasetVersion>/`). */
  prefix: string;
  grantId: string;
  masterSecret: Buffer;
  datasetColumns: readonly RawColumn[];
  granted: GrantedDataset;
  /**
   * Opens the raw object's typed columns from the start, once per pass, typing (and for CSV
   * slicing) only the `select`ed columns: what the output and the row filter need (with
   * `passes: 2`, pass 1 asks only for the quasi-identifiers' and row filter's columns).
   * Preferred over {@link openRows}. With `prefilter` (the grant's row filter), the other
   * columns may be left untyped (null) in rows the filter drops.
   */
  openColumns?: (select: readonly string[], prefilter?: RowPrefilter) => AsyncIterable<ColumnBatch>;
  /** Opens the raw object's typed rows from the start (called once per pass); used when `openColumns` is absent. */
  openRows?: () => AsyncIterable<Row[]>;
  /** Rows per chunk; default 10,000. */
  chunkRows?: number;
  /** Chunk uploads in flight; default 2 (measured: 4 and 8 are no faster, chunks are ~120 KB). */
  uploadConcurrency?: number;
  /** gzip level of the chunks; default 1 (measured in bench/formats and bench/queries). */
  gzipLevel?: number;
  /**
   * Rows of the raw object, when known (a published version's validated row count): sizes the
   * row shuffler's groups so that a large view is spooled once. Unknown or wrong costs time
   * (a group is split again), never memory.
   */
  expectedRows?: number;
  /** Tuning of the row shuffler (tests and benchmarks); see row-order.ts for the defaults. */
  rowOrder?: { groupRows?: number; memoryBytes?: number; minPieceBytes?: number };
  /** Called after each batch of the emitting pass with rows read so far. */
  onProgress?: (rowsRead: number) => void;
  /**
   * 1 (default): one read of the raw object, rows shuffled while classes are counted, rows of
   * classes smaller than k left out as the chunks are written. 2: pass 1 counts classes, pass 2
   * shuffles only released rows (the raw object is read twice). Both write the same view;
   * without k-anonymity there is only one pass either way.
   */
  passes?: 1 | 2;
}

/**
 * Resolves the grant's k-anonymity into fixed levels. Levels are signed in the grant (the
 * lattice search runs at draft time, so the parties sign what is released); hierarchies without
 * levels are refused (VIEW_LEVELS_NOT_FIXED) rather than searched here.
 */
export function resolveKAnonymity(
  raw: unknown,
  datasetColumns: readonly RawColumn[],
  granted: GrantedDataset,
): ResolvedKAnonymity | undefined {
  if (raw === undefined || raw === null) return undefined;
  const parsed = KAnonymitySpecSchema.safeParse(raw);
  if (!parsed.success)
    throw new ViewError(ViewErrorCode.VIEW_GRANT_INVALID, 'the grant’s k-anonymity settings do not parse');
  const spec = parsed.data;
  const listed = new Set(granted.columns.map((c) => c.name));
  const qis =
    spec.quasiIdentifiers ??
    datasetColumns.filter((c) => c.class === 'QUASI_IDENTIFIER' && listed.has(c.name)).map((c) => c.name);
  const hierarchies = spec.hierarchies ?? {};
  const levels: Record<string, number> = {};
  for (const qi of qis) {
    const level = spec.levels?.[qi];
    if (level === undefined && (hierarchies[qi]?.length ?? 0) > 0) {
      throw new ViewError(
        ViewErrorCode.VIEW_LEVELS_NOT_FIXED,
        'the grant gives generalization hierarchies without fixed levels; levels must be chosen and signed at draft time',
      );
    }
    levels[qi] = level ?? 0;
  }
  return { k: spec.k, suppressionLimit: spec.suppressionLimit, levels, hierarchies };
}

/** The pipeline columns: every raw column, with the grant's transform or `drop` when it is not listed. */
export function pipelineColumns(
  datasetColumns: readonly RawColumn[],
  granted: GrantedDataset,
): PipelineColumn[] {
  const transforms = new Map(granted.columns.map((c) => [c.name, c.transform]));
  return datasetColumns.map((c) => ({
    name: c.name,
    type: c.type,
    transform: transforms.get(c.name) ?? { kind: 'drop' },
  }));
}

/** Deletes every object under a view's prefix, manifest first (so no reader sees a half view). */
export async function deleteView(store: ViewStore, prefix: string): Promise<number> {
  await store.remove([manifestKey(prefix)]);
  const keys = await store.list(prefix);
  await store.remove(keys);
  return keys.length;
}

/** The input's column opener; `openRows` (typed rows) is turned into columns. */
function columnSource(
  input: MaterializeInput,
): (select: readonly string[], prefilter?: RowPrefilter) => AsyncIterable<ColumnBatch> {
  if (input.openColumns !== undefined) return input.openColumns;
  const openRows = input.openRows;
  if (openRows === undefined) throw new TypeError('materializeView needs openColumns or openRows');
  return async function* (select) {
    let firstRow = 1;
    for await (const rows of openRows()) {
      const columns: Record<string, CellValue[]> = {};
      for (const c of select) columns[c] = rows.map((r) => r[c] ?? null);
      yield { length: rows.length, firstRow, columns };
      firstRow += rows.length;
    }
  };
}

/** Uploads objects with at most `limit` PUTs in flight; the first failure is rethrown. */
class Uploader {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | undefined;

  constructor(
    private readonly store: ViewStore,
    private readonly limit: number,
  ) {}

  /** Starts the PUT once a slot is free (resolves when it has started, not when it is done). */
  async put(key: string, bytes: Buffer): Promise<void> {
    while (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
    const p: Promise<void> = this.store
      .put(key, bytes)
      .catch((err: unknown) => {
        this.failure ??= err instanceof Error ? err : new Error('an upload failed');
      })
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Waits for every upload; throws the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
  }
}

/** What the read of the raw object produced. */
interface ReadPass {
  rowsIn: number;
  /** Rows handed to the shuffler. */
  rowsOut: number;
}

/**
 * Reads the object once (the pipeline's input columns), applies the pipeline and hands every
 * row it emits, with its row index, to the shuffler (when `accept` does not refuse it); `onRow`
 * sees each handed row's values.
 */
async function readPass(
  input: MaterializeInput,
  pipeline: CompiledPipeline,
  shuffler: RowShuffler,
  accept?: (values: readonly CellValue[]) => boolean,
  onRow?: (values: readonly CellValue[]) => void,
): Promise<ReadPass> {
  let rowsIn = 0;
  let rowsOut = 0;
  const emit = (values: readonly CellValue[], rowIndex: number): void => {
    if (accept !== undefined && !accept(values)) return;
    onRow?.(values);
    shuffler.push(rowIndex, values);
    rowsOut++;
  };
  const open = columnSource(input);
  // Rows the grant's filter drops need only the filter's columns typed, and the filter's verdict
  // is not computed twice — but only a mask this very filter made is trusted.
  const masks = new WeakSet<Uint8Array>();
  const prefilter: RowPrefilter | undefined =
    pipeline.rowFilterColumns.length === 0
      ? undefined
      : {
          columns: pipeline.rowFilterColumns,
          keep: (typed, length) => {
            const mask = pipeline.filterMask(typed, length);
            masks.add(mask);
            return mask;
          },
        };
  for await (const batch of open(pipeline.inputColumns, prefilter)) {
    const passed = batch.kept !== undefined && masks.has(batch.kept) ? batch.kept : undefined;
    shuffler.beginRange(rowsIn, batch.length);
    pipeline.applyBatch(batch.columns, batch.length, rowsIn, emit, passed);
    rowsIn += batch.length;
    await shuffler.settle();
    input.onProgress?.(rowsIn);
  }
  return { rowsIn, rowsOut };
}

/**
 * Writes the view's chunks: the shuffler's rows in the view's order, minus those `keep` refuses
 * (rows of classes smaller than k, known only once the whole object was read). Every chunk but
 * the last holds `chunkRows` rows. Returns the chunks.
 */
async function writeChunks(
  input: MaterializeInput,
  pipeline: CompiledPipeline,
  shuffler: RowShuffler,
  uploader: Uploader,
  keep?: (values: readonly CellValue[]) => boolean,
): Promise<ChunkInfo[]> {
  const writer = new ChunkedViewWriter(pipeline.outputSchema, {
    chunkRows: input.chunkRows ?? 10_000,
    gzipLevel: input.gzipLevel ?? 1,
    dictionary: true,
  });
  const done: EncodedChunk[] = [];
  const upload = async (chunks: readonly EncodedChunk[]) => {
    for (const c of chunks) await uploader.put(`${input.prefix}${chunkObjectName(c.info.index)}`, c.bytes);
  };
  await shuffler.drain(
    (values) => {
      if (keep !== undefined && !keep(values)) return;
      const c = writer.pushValues(values);
      if (c !== undefined) done.push(c);
    },
    () => upload(done.splice(0)),
  );
  const end = writer.finish();
  await upload(end.chunks);
  await uploader.drain();
  return end.index.chunks;
}

/**
 * Materializes the view and returns its manifest. Throws DeidentificationError for a grant the
 * engine refuses (DEID_SUPPRESSION_LIMIT_EXCEEDED, …) and ViewError for storage failures; in
 * both cases no manifest exists afterwards, and what was staged is removed (best effort).
 */
export async function materializeView(input: MaterializeInput): Promise<ViewManifest> {
  const started = Date.now();
  const { store, prefix } = input;
  if (!prefix.endsWith('/')) throw new TypeError('a view prefix ends with "/"');
  await deleteView(store, prefix);

  const kAnonymity = resolveKAnonymity(input.granted.kAnonymity, input.datasetColumns, input.granted);
  const pipeline = compilePipeline({
    masterSecret: input.masterSecret,
    grantId: input.grantId,
    columns: pipelineColumns(input.datasetColumns, input.granted),
    rowFilter: input.granted.rowFilter,
    kAnonymity,
  });
  const uploader = new Uploader(store, Math.max(1, input.uploadConcurrency ?? 2));
  const shuffler = new RowShuffler({
    store,
    spoolPrefix: `${prefix}${SPOOL_DIR}`,
    tagger: new RowTagger(rowOrderKey(input.masterSecret, input.grantId, prefix)),
    columns: pipeline.outputSchema,
    put: (key, bytes) => uploader.put(key, bytes),
    uploaded: () => uploader.drain(),
    expectedRows: input.expectedRows,
    groupRows: input.rowOrder?.groupRows,
    memoryBytes: input.rowOrder?.memoryBytes,
    minPieceBytes: input.rowOrder?.minPieceBytes,
    gzipLevel: input.gzipLevel,
  });

  let read: ReadPass;
  let chunks: ChunkInfo[];
  let risk: ViewSummary['risk'] = null;
  let passedFilter: number;
  try {
    if (kAnonymity === undefined) {
      read = await readPass(input, pipeline, shuffler);
      passedFilter = read.rowsOut;
      chunks = await writeChunks(input, pipeline, shuffler, uploader);
    } else if (input.passes === 2) {
      // Pass 1 types only the columns the class keys and the row filter read.
      const counter = new ClassCounter();
      let i = 0;
      for await (const batch of columnSource(input)(pipeline.classKeyColumns)) {
        pipeline.countBatch(batch.columns, batch.length, i, counter);
        i += batch.length;
      }
      // The report and the refusal (DEID_SUPPRESSION_LIMIT_EXCEEDED) of pass 2.
      risk = createSuppressor(pipeline, counter).report;
      passedFilter = counter.rows;
      const { k } = kAnonymity;
      const positions = pipeline.quasiIdentifierPositions;
      const qi = new Array<CellValue>(positions.length).fill(null);
      const released = (values: readonly CellValue[]): boolean => {
        for (let q = 0; q < positions.length; q++) qi[q] = values[positions[q]];
        return counter.countOf(encodeClassKey(qi)) >= k;
      };
      read = await readPass(input, pipeline, shuffler, risk.suppressedRows > 0 ? released : undefined);
      chunks = await writeChunks(input, pipeline, shuffler, uploader);
    } else {
      const positions = pipeline.quasiIdentifierPositions;
      const counter = new TupleClassCounter(positions.length);
      read = await readPass(input, pipeline, shuffler, undefined, (values) =>
        counter.add(values, positions, 0),
      );
      // The same report and the same refusal (DEID_SUPPRESSION_LIMIT_EXCEEDED) as two passes.
      risk = releaseReport(counter.sizes(), kAnonymity);
      passedFilter = counter.rows;
      const { k } = kAnonymity;
      // Rows of classes smaller than k are known only now: they are left out as the view is written.
      const released =
        risk.suppressedRows > 0
          ? (values: readonly CellValue[]) => counter.countOf(values, positions) >= k
          : undefined;
      chunks = await writeChunks(input, pipeline, shuffler, uploader, released);
    }
    // Spool objects are removed group by group; a split group's leave nothing either.
    const left = await store.list(`${prefix}${SPOOL_DIR}`);
    if (left.length > 0) await store.remove(left);
  } catch (err) {
    // No manifest was written; do not leave staged rows (perhaps of a refused release) behind.
    await deleteView(store, prefix).catch(() => undefined);
    throw err;
  }

  const rowsOut = chunks.reduce((n, c) => n + c.rowCount, 0);
  const summary: ViewSummary = {
    rowsIn: read.rowsIn,
    rowsFiltered: read.rowsIn - passedFilter,
    rowsSuppressed: passedFilter - rowsOut,
    rowsOut,
    quasiIdentifiers: [...pipeline.quasiIdentifiers],
    k: kAnonymity?.k ?? null,
    risk,
    bytes: chunks.reduce((n, c) => n + c.byteSize, 0),
    millis: Date.now() - started,
  };
  const manifest: ViewManifest = {
    format: CHUNKED_VIEW_FORMAT,
    columns: pipeline.outputSchema.map((c) => ({ ...c })),
    rowCount: rowsOut,
    chunkRows: input.chunkRows ?? 10_000,
    compression: 'gzip',
    chunks,
    view: { grantId: input.grantId, summary, createdAt: new Date().toISOString() },
  };
  await store.put(manifestKey(prefix), Buffer.from(JSON.stringify(manifest), 'utf8'));
  return manifest;
}
