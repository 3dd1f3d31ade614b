/**
 * Materialization of one granted dataset version: raw rows → the grant's row filter →
 * transforms → k-anonymity → chunks in the owner's bucket, the manifest written last.
 *
 * Fixed-level k-anonymity needs the class sizes before the view can be released. The raw object
 * is read ONCE: its rows are transformed, counted by class and written as chunks in the same
 * pass, staged under the view's prefix in the owner's bucket (nothing is served before the
 * manifest exists, and the manifest is written last). When some classes turn out smaller than
 * k, the staged chunks from the first one holding such a row are read back, those rows dropped
 * and the tail re-chunked (suppression is rare and clustered, and re-reading compressed chunks
 * is far cheaper than parsing the raw object again). The older two-pass path (pass 1 counts,
 * pass 2 emits only released rows) stays available (`passes: 2`) and yields the same view.
 *
 * Memory is one batch, one chunk in flight per upload slot and the class counts — never the
 * object. A retry starts from scratch: every object under the prefix is deleted first, so a
 * crash never leaves a view that looks complete; a refused or failed materialization removes
 * what it staged.
 */
import {
  type CellValue,
  CHUNKED_VIEW_FORMAT,
  type ChunkInfo,
  type ColumnBatch,
  ChunkedViewWriter,
  chunkObjectName,
  type ColumnType,
  decodeChunkColumns,
  type EncodedChunk,
  type Row,
  type RowPrefilter,
} from '@maxhub/formats';
import {
  ClassCounter,
  type CompiledPipeline,
  compilePipeline,
  createSuppressor,
  KAnonymitySpecSchema,
  type PipelineColumn,
  releaseReport,
  type ResolvedKAnonymity,
  TupleClassCounter,
} from '@maxhub/deidentification';
import { ViewError, ViewErrorCode } from './errors';
import { manifestKey, type ViewManifest, type ViewSummary } from './manifest';
import type { ViewStore } from './store';

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
  /** Called after each batch of the emitting pass with rows read so far. */
  onProgress?: (rowsRead: number) => void;
  /**
   * 1 (default): one read of the raw object, chunks staged while counting classes, the chunks
   * holding suppressed rows rewritten afterwards. 2: pass 1 counts classes, pass 2 emits only
   * released rows (the raw object is read twice). Both write the same view; without
   * k-anonymity there is only one pass either way.
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

/** Uploads chunks with at most `limit` PUTs in flight; the first failure is rethrown. */
class ChunkUploader {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | undefined;

  constructor(
    private readonly store: ViewStore,
    private readonly prefix: string,
    private readonly limit: number,
  ) {}

  async upload(chunks: readonly EncodedChunk[]): Promise<void> {
    for (const c of chunks) {
      while (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
      if (this.failure !== undefined) throw this.failure;
      const p: Promise<void> = this.store
        .put(`${this.prefix}${chunkObjectName(c.info.index)}`, c.bytes)
        .catch((err: unknown) => {
          this.failure ??= err instanceof Error ? err : new Error('a chunk upload failed');
        })
        .finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  /** Waits for every upload; throws the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
  }
}

/** What one emitting pass produced. */
interface Written {
  rowsIn: number;
  rowsOut: number;
  chunks: ChunkInfo[];
}

/**
 * Reads the object once (the `inputColumns`), applies `applyBatch` and writes the emitted rows
 * as chunks; `onRow` sees each emitted row's values and the chunk it goes to.
 */
async function writePass(
  input: MaterializeInput,
  pipeline: CompiledPipeline,
  applyBatch: CompiledPipeline['applyBatch'],
  uploader: ChunkUploader,
  onRow?: (values: readonly CellValue[], chunk: number) => void,
): Promise<Written> {
  const chunkRows = input.chunkRows ?? 10_000;
  const writer = new ChunkedViewWriter(pipeline.outputSchema, {
    chunkRows,
    gzipLevel: input.gzipLevel ?? 1,
    dictionary: true,
  });
  let rowsIn = 0;
  let rowsOut = 0;
  const done: EncodedChunk[] = [];
  const emit =
    onRow === undefined
      ? (values: readonly CellValue[]): void => {
          const c = writer.pushValues(values);
          if (c !== undefined) done.push(c);
        }
      : (values: readonly CellValue[]): void => {
          onRow(values, Math.floor(rowsOut / chunkRows));
          rowsOut++;
          const c = writer.pushValues(values);
          if (c !== undefined) done.push(c);
        };
  const open = columnSource(input);
  let emitted = 0;
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
    emitted += applyBatch(batch.columns, batch.length, rowsIn, emit, passed);
    rowsIn += batch.length;
    if (done.length > 0) await uploader.upload(done.splice(0));
    input.onProgress?.(rowsIn);
  }
  const end = writer.finish();
  await uploader.upload(end.chunks);
  await uploader.drain();
  return { rowsIn, rowsOut: emitted, chunks: end.index.chunks };
}

/**
 * Drops the rows of classes smaller than k from the staged chunks `from` onwards and re-chunks
 * them in place (every chunk but the last keeps `chunkRows` rows, row numbers stay contiguous).
 * A rewritten chunk j is uploaded only after staged chunk j was read, so nothing is overwritten
 * before it is consumed. Returns the view's chunks.
 */
async function rewriteTail(
  input: MaterializeInput,
  pipeline: CompiledPipeline,
  counter: TupleClassCounter,
  k: number,
  staged: readonly ChunkInfo[],
  from: number,
  uploader: ChunkUploader,
): Promise<ChunkInfo[]> {
  const { store, prefix } = input;
  const kept = staged.slice(0, from);
  if (from >= staged.length) return kept;
  const writer = new ChunkedViewWriter(pipeline.outputSchema, {
    chunkRows: input.chunkRows ?? 10_000,
    gzipLevel: input.gzipLevel ?? 1,
    dictionary: true,
    start: { index: from, row: staged[from].firstRow },
  });
  const positions = pipeline.quasiIdentifierPositions;
  const width = pipeline.outputSchema.length;
  const values = new Array<CellValue>(width).fill(null);
  const read = (info: ChunkInfo): Promise<Buffer | undefined> =>
    store.get(`${prefix}${chunkObjectName(info.index)}`);
  let next = read(staged[from]);
  const done: EncodedChunk[] = [];
  for (let i = from; i < staged.length; i++) {
    const bytes = await next;
    if (i + 1 < staged.length) next = read(staged[i + 1]);
    if (bytes === undefined)
      throw new ViewError(ViewErrorCode.VIEW_STORAGE_FAILED, 'a staged chunk of the view is missing');
    const chunk = decodeChunkColumns(bytes, staged[i].sha256);
    const data = chunk.data;
    for (let r = 0; r < chunk.rowCount; r++) {
      for (let j = 0; j < width; j++) values[j] = data[j][r];
      if (counter.countOf(values, positions) < k) continue;
      const c = writer.pushValues(values);
      if (c !== undefined) done.push(c);
    }
    if (done.length > 0) await uploader.upload(done.splice(0));
  }
  const end = writer.finish();
  await uploader.upload(end.chunks);
  await uploader.drain();
  const chunks = [...kept, ...end.index.chunks];
  // Staged chunks past the new end would otherwise lie beside the view.
  await store.remove(staged.slice(chunks.length).map((c) => `${prefix}${chunkObjectName(c.index)}`));
  return chunks;
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
  const uploader = new ChunkUploader(store, prefix, Math.max(1, input.uploadConcurrency ?? 2));

  let written: Written;
  let chunks: ChunkInfo[];
  let risk: ViewSummary['risk'] = null;
  let passedFilter: number;
  try {
    if (kAnonymity === undefined) {
      written = await writePass(input, pipeline, pipeline.applyBatch.bind(pipeline), uploader);
      chunks = written.chunks;
      passedFilter = written.rowsOut;
    } else if (input.passes === 2) {
      // Pass 1 types only the columns the class keys and the row filter read.
      const counter = new ClassCounter();
      let i = 0;
      for await (const batch of columnSource(input)(pipeline.classKeyColumns)) {
        pipeline.countBatch(batch.columns, batch.length, i, counter);
        i += batch.length;
      }
      const suppressor = createSuppressor(pipeline, counter);
      risk = suppressor.report;
      written = await writePass(input, pipeline, suppressor.applyBatch.bind(suppressor), uploader);
      chunks = written.chunks;
      passedFilter = counter.rows;
    } else {
      const positions = pipeline.quasiIdentifierPositions;
      const counter = new TupleClassCounter(positions.length);
      written = await writePass(
        input,
        pipeline,
        pipeline.applyBatch.bind(pipeline),
        uploader,
        (values, chunk) => counter.add(values, positions, chunk),
      );
      // The same report and the same refusal (DEID_SUPPRESSION_LIMIT_EXCEEDED) as two passes.
      risk = releaseReport(counter.sizes(), kAnonymity);
      passedFilter = counter.rows;
      const first = risk.suppressedRows > 0 ? counter.firstTagBelow(kAnonymity.k) : undefined;
      chunks =
        first === undefined
          ? written.chunks
          : await rewriteTail(input, pipeline, counter, kAnonymity.k, written.chunks, first, uploader);
    }
  } catch (err) {
    // No manifest was written; do not leave staged rows (perhaps of a refused release) behind.
    await deleteView(store, prefix).catch(() => undefined);
    throw err;
  }

  const rowsOut = chunks.reduce((n, c) => n + c.rowCount, 0);
  const summary: ViewSummary = {
    rowsIn: written.rowsIn,
    rowsFiltered: written.rowsIn - passedFilter,
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
