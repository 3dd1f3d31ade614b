/**
 * Materialization of one granted dataset version: raw rows → the grant's row filter →
 * transforms → k-anonymity → chunks in the owner's bucket, the manifest written last.
 *
 * Fixed-level k-anonymity needs the class sizes before any row is released, so the raw object
 * is read twice (pass 1 counts classes, pass 2 emits); memory is one batch, one chunk in flight
 * per upload slot and the class counts — never the object. A retry starts from scratch: every
 * object under the prefix is deleted first, so a crash never leaves a view that looks complete.
 */
import {
  type CellValue,
  type ColumnBatch,
  ChunkedViewWriter,
  chunkObjectName,
  type ColumnType,
  type EncodedChunk,
  type Row,
} from '@maxhub/formats';
import {
  ClassCounter,
  compilePipeline,
  createSuppressor,
  KAnonymitySpecSchema,
  type PipelineColumn,
  type ResolvedKAnonymity,
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
   * slicing) only the `select`ed columns: pass 1 asks for the quasi-identifiers' and row
   * filter's columns, pass 2 for what the output needs. Preferred over {@link openRows}.
   */
  openColumns?: (select: readonly string[]) => AsyncIterable<ColumnBatch>;
  /** Opens the raw object's typed rows from the start (called once per pass); used when `openColumns` is absent. */
  openRows?: () => AsyncIterable<Row[]>;
  /** Rows per chunk; default 10,000. */
  chunkRows?: number;
  /** Chunk uploads in flight; default 2 (measured: 4 and 8 are no faster, chunks are ~120 KB). */
  uploadConcurrency?: number;
  /** gzip level of the chunks; default 1 (measured in bench/formats and bench/queries). */
  gzipLevel?: number;
  /** Called after each pass-2 batch with rows read so far. */
  onProgress?: (rowsRead: number) => void;
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
function columnSource(input: MaterializeInput): (select: readonly string[]) => AsyncIterable<ColumnBatch> {
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

/**
 * Materializes the view and returns its manifest. Throws DeidentificationError for a grant the
 * engine refuses (DEID_SUPPRESSION_LIMIT_EXCEEDED, …) and ViewError for storage failures; in
 * both cases no manifest exists afterwards.
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

  const open = columnSource(input);
  let applyBatch = pipeline.applyBatch.bind(pipeline);
  let risk: ViewSummary['risk'] = null;
  let counted = 0;
  if (kAnonymity !== undefined) {
    // Pass 1 types only the columns the class keys and the row filter read.
    const counter = new ClassCounter();
    let i = 0;
    for await (const batch of open(pipeline.classKeyColumns)) {
      pipeline.countBatch(batch.columns, batch.length, i, counter);
      i += batch.length;
    }
    counted = counter.rows;
    const suppressor = createSuppressor(pipeline, counter);
    risk = suppressor.report;
    applyBatch = suppressor.applyBatch.bind(suppressor);
  }

  const writer = new ChunkedViewWriter(pipeline.outputSchema, {
    chunkRows: input.chunkRows ?? 10_000,
    gzipLevel: input.gzipLevel ?? 1,
  });
  const inFlight = new Set<Promise<void>>();
  const limit = Math.max(1, input.uploadConcurrency ?? 2);
  let failure: Error | undefined;
  let bytes = 0;
  const upload = async (chunks: EncodedChunk[]): Promise<void> => {
    for (const c of chunks) {
      bytes += c.bytes.length;
      while (inFlight.size >= limit) await Promise.race(inFlight);
      if (failure !== undefined) throw failure;
      const p: Promise<void> = store
        .put(`${prefix}${chunkObjectName(c.info.index)}`, c.bytes)
        .catch((err: unknown) => {
          failure ??= err instanceof Error ? err : new Error('a chunk upload failed');
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  };

  let rowsIn = 0;
  let rowsOut = 0;
  const done: EncodedChunk[] = [];
  const emit = (values: readonly CellValue[]): void => {
    const c = writer.pushValues(values);
    if (c !== undefined) done.push(c);
  };
  for await (const batch of open(pipeline.inputColumns)) {
    rowsOut += applyBatch(batch.columns, batch.length, rowsIn, emit);
    rowsIn += batch.length;
    if (done.length > 0) await upload(done.splice(0));
    input.onProgress?.(rowsIn);
  }
  const end = writer.finish();
  await upload(end.chunks);
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;

  // Rows that passed the row filter: counted in pass 1 with k-anonymity, else rows out.
  const passedFilter = kAnonymity !== undefined ? counted : rowsOut;
  const summary: ViewSummary = {
    rowsIn,
    rowsFiltered: rowsIn - passedFilter,
    rowsSuppressed: passedFilter - rowsOut,
    rowsOut,
    quasiIdentifiers: [...pipeline.quasiIdentifiers],
    k: kAnonymity?.k ?? null,
    risk,
    bytes,
    millis: Date.now() - started,
  };
  const manifest: ViewManifest = {
    ...end.index,
    view: { grantId: input.grantId, summary, createdAt: new Date().toISOString() },
  };
  await store.put(manifestKey(prefix), Buffer.from(JSON.stringify(manifest), 'utf8'));
  return manifest;
}
