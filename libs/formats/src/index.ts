/**
 * @maxhub/formats — streaming readers, validators and writers for the dataset formats the hub
 * accepts (CSV incl. CP949/EUC-KR, JSON lines, Parquet), schema inference, typed cells, and the
 * chunked view the de-identification materializer writes. Pure: no Nest, database or network.
 */
export * from './schema';
export { FORMAT_ERROR_CODES, FormatError, type FormatErrorCode, type FormatErrorLocation } from './errors';
export {
  type CellOptions,
  classifyText,
  classifyValue,
  INVALID,
  isCanonicalTimestamp,
  parseBoolean,
  parseDate,
  parseDecimal,
  parseInteger,
  parseTimestamp,
  type Parsed,
  textParser,
  type TextParser,
  valueParser,
  type ValueParser,
  widen,
} from './cells';
export { type DeclaredEncoding, type DetectedEncoding, TextChunkDecoder } from './encoding';
export { DEFAULT_BATCH_SIZE, type RawRecord, type RecordBatch } from './records';
export {
  type ByteSource,
  CSV_DELIMITERS,
  type CsvDelimiter,
  CsvRecordParser,
  type CsvReadOptions,
  detectDelimiter,
  readCsv,
  type ReadInfo,
  type TabularReader,
  type TextReadOptions,
} from './csv-reader';
export { type JsonlReadOptions, readJsonl } from './jsonl-reader';
export {
  bufferSource,
  type ParquetInfo,
  type ParquetReader,
  type ParquetReadOptions,
  type RandomAccessSource,
  readParquet,
  readParquetMetadata,
} from './parquet-reader';
export {
  type ColumnBatch,
  columnConverter,
  type RowPrefilter,
  type ColumnDeclaration,
  type DatasetSource,
  isRandomAccess,
  openReader,
  type OpenReaderInput,
  readColumns,
  readRows,
  rowConverter,
  sequentialStream,
} from './rows';
export {
  type InferredColumn,
  type InferredSchema,
  inferSchema,
  type InferSchemaInput,
  TypeInference,
} from './infer';
export {
  detectPersonalData,
  type DetectPersonalDataOptions,
  PERSONAL_DATA_KINDS,
  PERSONAL_DATA_THRESHOLDS,
  type PersonalDataKind,
  type PersonalDataMatch,
} from './personal-data';
export { PERSONAL_DATA_SAMPLE_ROWS, PersonalDataSample } from './personal-data-sample';
export { validateObject, type ValidateObjectInput, type ValidationResult } from './validate';
export {
  CsvEncoder,
  DEFAULT_ROW_GROUP_SIZE,
  JsonlEncoder,
  type RowBatches,
  writeCsv,
  writeJsonl,
  writeParquet,
} from './writers';
export {
  CHUNKED_VIEW_FORMAT,
  type ChunkedViewIndex,
  type ChunkedViewOptions,
  ChunkedViewWriter,
  chunkObjectName,
  type ChunkInfo,
  decodeChunk,
  decodeChunkColumns,
  type DecodedChunk,
  type DecodedChunkColumns,
  type EncodedChunk,
  findChunk,
  readChunk,
} from './chunked-view';
