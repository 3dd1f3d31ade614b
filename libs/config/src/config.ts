import { z } from 'zod';

/** Thrown when the environment does not describe a runnable hub; names the variable at fault. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A secret given as hex (64+ chars) or base64; decoded, it must hold at least 32 bytes. */
const secret32 = z
  .string()
  .min(1)
  .transform((v, ctx) => {
    const buf =
      /^[0-9a-fA-F]+$/.test(v) && v.length % 2 === 0 ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
    if (buf.length < 32) {
      ctx.addIssue({ code: 'custom', message: 'must decode (hex or base64) to at least 32 bytes' });
      return z.NEVER;
    }
    return buf;
  });

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL (${protocols.join(' or ')})` },
  );

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Hub processes sharing PORT (node:cluster); 1 runs the hub in the starting process. */
  HUB_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/maxhub'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  MINIO_ENDPOINT: url(['http:', 'https:']).default('http://127.0.0.1:9000'),
  MINIO_ACCESS_KEY: z.string().min(3).default('maxhub-dev'),
  MINIO_SECRET_KEY: z.string().min(8).default('maxhub-dev-secret'),
  MINIO_REGION: z.string().default('us-east-1'),
  /** Storage requests: connecting, then the first byte of an answer (each), in ms. */
  STORAGE_FIRST_BYTE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** Storage requests: most time without a byte while one is awaited (a stalled endpoint), in ms. */
  STORAGE_STALL_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** Root secret for per-grant pseudonym keys (HKDF). */
  HUB_MASTER_SECRET: secret32,
  /** AES-256-GCM key sealing company endpoint credentials at rest. */
  HUB_CREDENTIALS_KEY: secret32,
  /** Longest lifetime of an API token, and the age past which a token may no longer mint another. */
  TOKEN_MAX_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** Tokens one person may hold at once (neither revoked nor expired). */
  TOKEN_MAX_LIVE_PER_PERSON: z.coerce.number().int().min(1).max(1000).default(20),
  /** Lifetime of a token issued without `ttlDays`; at most TOKEN_MAX_TTL_DAYS (the smaller of 90 and it when unset). */
  TOKEN_DEFAULT_TTL_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(50).default(10),
  GRAPHQL_MAX_COMPLEXITY: z.coerce.number().int().min(10).max(1_000_000).default(20_000),
  GRAPHQL_SANDBOX: bool.optional(),
  /** Lexical tokens in one GraphQL document (the parser stops counting past it). */
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(100).max(100_000).default(5000),
  /** Characters of one GraphQL document (`query`), refused before it is parsed. */
  GRAPHQL_MAX_DOCUMENT_BYTES: z.coerce.number().int().min(1024).max(1_048_576).default(65_536),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).max(10_000).default(30),
  GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).max(10_000).default(50),
  GRAPHQL_MAX_FRAGMENTS: z.coerce.number().int().min(0).max(10_000).default(50),
  /** Pairs of field selections sharing a name (GraphQL's field-merging check is quadratic in them). */
  GRAPHQL_MAX_REPEATED_FIELD_PAIRS: z.coerce.number().int().min(0).max(10_000_000).default(20_000),
  /** Schema introspection; off by default in production (the schema is in schema.gql). */
  GRAPHQL_INTROSPECTION: bool.optional(),
  /** Largest JSON request body (GraphQL requests with their variables). */
  HTTP_BODY_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .max(64 * 1024 ** 2)
    .default(256 * 1024),
  /** Rate limits: requests per window per token and per client address; 0 turns one off. */
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  RATE_LIMIT_GRAPHQL_PER_TOKEN: z.coerce.number().int().min(0).default(6000),
  RATE_LIMIT_GRAPHQL_PER_ADDRESS: z.coerce.number().int().min(0).default(12_000),
  /** KiB of GraphQL request bodies per address per window (reading them costs CPU before any check). */
  RATE_LIMIT_GRAPHQL_KIB_PER_ADDRESS: z.coerce
    .number()
    .int()
    .min(0)
    .default(64 * 1024),
  RATE_LIMIT_EXPORTS_PER_TOKEN: z.coerce.number().int().min(0).default(60),
  RATE_LIMIT_EXPORTS_PER_ADDRESS: z.coerce.number().int().min(0).default(240),
  UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(50 * 1024 ** 3),
  UPLOAD_URL_TTL_SECONDS: z.coerce.number().int().min(30).max(900).default(900),
  /** Part size of multipart uploads when the client asks for none (S3: 5 MiB to 5 GiB). */
  UPLOAD_PART_BYTES: z.coerce
    .number()
    .int()
    .min(5 * 1024 ** 2)
    .max(5 * 1024 ** 3)
    .default(64 * 1024 ** 2),
  /** A job is presumed dead (its worker killed) after base + size / min rate seconds, then retried. */
  JOBS_EXPIRE_BASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(600),
  JOBS_MIN_BYTES_PER_SECOND: z.coerce
    .number()
    .int()
    .min(1)
    .default(4 * 1024 ** 2),
  JOBS_RETRY_LIMIT: z.coerce.number().int().min(0).max(20).default(3),
  JOBS_RETRY_DELAY_SECONDS: z.coerce.number().int().min(0).max(3600).default(10),
  JOBS_MAINTENANCE_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  JOBS_POLLING_INTERVAL_SECONDS: z.coerce.number().min(0.5).max(60).default(2),
  /** Validation jobs one worker process runs at once. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
  SLICE_MAX_PAGE_ROWS: z.coerce.number().int().min(1).max(100_000).default(10_000),
  SLICE_ORDER_BY_MAX_ROWS: z.coerce.number().int().min(0).max(10_000_000).default(200_000),
  SLICE_SCAN_BUDGET_ROWS: z.coerce.number().int().min(1000).max(100_000_000).default(2_000_000),
  VIEW_CACHE_BYTES: z.coerce
    .number()
    .int()
    .min(1024 ** 2)
    .default(256 * 1024 ** 2),
  EXPORT_LINK_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  PKI_ROOT_CERT_FILE: z.string().optional(),
  PKI_ISSUING_CERT_FILE: z.string().optional(),
  PKI_ISSUING_KEY_FILE: z.string().optional(),
});

/** The hub's whole configuration, validated once at start. */
export interface HubConfig {
  env: 'development' | 'production' | 'test';
  http: { host: string; port: number; processes: number };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  database: { url: string; poolSize: number };
  minio: { endpoint: string; accessKey: string; secretKey: string; region: string };
  /**
   * Deadlines of every request to the alliance MinIO and to companies' own endpoints: a stalled
   * endpoint fails the read (STORAGE_TIMEOUT, STORAGE_STALLED) instead of hanging a job.
   */
  storage: { firstByteMs: number; stallMs: number };
  secrets: { master: Buffer; credentialsKey: Buffer };
  /**
   * API token policy: no token lives longer than `maxTtlDays`, and a token issued `maxTtlDays`
   * or more ago may no longer mint another.
   */
  tokens: { defaultTtlDays: number; maxTtlDays: number; maxLivePerPerson: number };
  graphql: {
    maxDepth: number;
    maxComplexity: number;
    maxTokens: number;
    maxDocumentBytes: number;
    maxAliases: number;
    maxDirectives: number;
    maxFragments: number;
    maxRepeatedFieldPairs: number;
    introspection: boolean;
    /** "Did you mean …" hints in validation errors (development only: they map the schema). */
    suggestions: boolean;
    sandbox: boolean;
  };
  /** Largest JSON request body, in bytes. */
  httpBodyMaxBytes: number;
  /** Requests per window; 0 = no limit. */
  rateLimits: {
    windowSeconds: number;
    graphqlPerToken: number;
    graphqlPerAddress: number;
    graphqlKibPerAddress: number;
    exportsPerToken: number;
    exportsPerAddress: number;
  };
  uploads: { maxBytes: number; urlTtlSeconds: number; partBytes: number };
  /** Query limits beyond each grant's own (rowsPerQuery, queriesPerDay). */
  queries: {
    maxPageRows: number;
    orderByMaxRows: number;
    scanBudgetRows: number;
    viewCacheBytes: number;
    exportLinkTtlSeconds: number;
  };
  jobs: {
    expireBaseSeconds: number;
    minBytesPerSecond: number;
    retryLimit: number;
    retryDelaySeconds: number;
    maintenanceIntervalSeconds: number;
    pollingIntervalSeconds: number;
    workerConcurrency: number;
  };
  pki: { rootCertFile?: string; issuingCertFile?: string; issuingKeyFile?: string };
}

/**
 * Reads and validates the environment into a HubConfig. This is the only reader of
 * process.env in the code base. Throws ConfigError naming the first bad variable; the
 * message never echoes the variable's value (it may be a secret).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0] ?? 'environment');
    const missing = issue.code === 'invalid_type' && env[variable] === undefined;
    throw new ConfigError(
      variable,
      missing ? `${variable} is required but not set` : `${variable} is invalid: ${issue.message}`,
    );
  }
  const e = parsed.data;
  if (e.TOKEN_DEFAULT_TTL_DAYS !== undefined && e.TOKEN_DEFAULT_TTL_DAYS > e.TOKEN_MAX_TTL_DAYS) {
    throw new ConfigError(
      'TOKEN_DEFAULT_TTL_DAYS',
      'TOKEN_DEFAULT_TTL_DAYS is invalid: it may not exceed TOKEN_MAX_TTL_DAYS',
    );
  }
  return {
    env: e.NODE_ENV,
    http: { host: e.HOST, port: e.PORT, processes: e.HUB_PROCESSES },
    logLevel: e.LOG_LEVEL,
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
    minio: {
      endpoint: e.MINIO_ENDPOINT,
      accessKey: e.MINIO_ACCESS_KEY,
      secretKey: e.MINIO_SECRET_KEY,
      region: e.MINIO_REGION,
    },
    storage: { firstByteMs: e.STORAGE_FIRST_BYTE_TIMEOUT_MS, stallMs: e.STORAGE_STALL_TIMEOUT_MS },
    secrets: { master: e.HUB_MASTER_SECRET, credentialsKey: e.HUB_CREDENTIALS_KEY },
    tokens: {
      defaultTtlDays: e.TOKEN_DEFAULT_TTL_DAYS ?? Math.min(90, e.TOKEN_MAX_TTL_DAYS),
      maxTtlDays: e.TOKEN_MAX_TTL_DAYS,
      maxLivePerPerson: e.TOKEN_MAX_LIVE_PER_PERSON,
    },
    graphql: {
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxComplexity: e.GRAPHQL_MAX_COMPLEXITY,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxDocumentBytes: e.GRAPHQL_MAX_DOCUMENT_BYTES,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      maxFragments: e.GRAPHQL_MAX_FRAGMENTS,
      maxRepeatedFieldPairs: e.GRAPHQL_MAX_REPEATED_FIELD_PAIRS,
      introspection: e.GRAPHQL_INTROSPECTION ?? e.NODE_ENV !== 'production',
      suggestions: e.NODE_ENV !== 'production',
      sandbox: e.GRAPHQL_SANDBOX ?? e.NODE_ENV === 'development',
    },
    httpBodyMaxBytes: e.HTTP_BODY_MAX_BYTES,
    rateLimits: {
      windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS,
      graphqlPerToken: e.RATE_LIMIT_GRAPHQL_PER_TOKEN,
      graphqlPerAddress: e.RATE_LIMIT_GRAPHQL_PER_ADDRESS,
      graphqlKibPerAddress: e.RATE_LIMIT_GRAPHQL_KIB_PER_ADDRESS,
      exportsPerToken: e.RATE_LIMIT_EXPORTS_PER_TOKEN,
      exportsPerAddress: e.RATE_LIMIT_EXPORTS_PER_ADDRESS,
    },
    queries: {
      maxPageRows: e.SLICE_MAX_PAGE_ROWS,
      orderByMaxRows: e.SLICE_ORDER_BY_MAX_ROWS,
      scanBudgetRows: e.SLICE_SCAN_BUDGET_ROWS,
      viewCacheBytes: e.VIEW_CACHE_BYTES,
      exportLinkTtlSeconds: e.EXPORT_LINK_TTL_SECONDS,
    },
    uploads: {
      maxBytes: e.UPLOAD_MAX_BYTES,
      urlTtlSeconds: e.UPLOAD_URL_TTL_SECONDS,
      partBytes: e.UPLOAD_PART_BYTES,
    },
    jobs: {
      expireBaseSeconds: e.JOBS_EXPIRE_BASE_SECONDS,
      minBytesPerSecond: e.JOBS_MIN_BYTES_PER_SECOND,
      retryLimit: e.JOBS_RETRY_LIMIT,
      retryDelaySeconds: e.JOBS_RETRY_DELAY_SECONDS,
      maintenanceIntervalSeconds: e.JOBS_MAINTENANCE_INTERVAL_SECONDS,
      pollingIntervalSeconds: e.JOBS_POLLING_INTERVAL_SECONDS,
      workerConcurrency: e.WORKER_CONCURRENCY,
    },
    pki: {
      rootCertFile: e.PKI_ROOT_CERT_FILE,
      issuingCertFile: e.PKI_ISSUING_CERT_FILE,
      issuingKeyFile: e.PKI_ISSUING_KEY_FILE,
    },
  };
}

/** Nest injection token for the HubConfig. */
export const HUB_CONFIG = Symbol('HUB_CONFIG');

/**
 * Only the database part of the configuration, for CLI commands that need nothing else
 * (migrations, audit verification).
 */
export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env): HubConfig['database'] {
  const parsed = EnvSchema.pick({ DATABASE_URL: true, DATABASE_POOL_SIZE: true }).safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(variable, `${variable} is invalid: ${issue.message}`);
  }
  return { url: parsed.data.DATABASE_URL, poolSize: parsed.data.DATABASE_POOL_SIZE };
}

/** What the `maxhub` CLI needs to talk to a hub over HTTP. */
export interface CliConfig {
  /** Base URL of the hub, e.g. http://localhost:3000 (MAXHUB_URL). */
  hubUrl: string;
  /** API token (MAXHUB_TOKEN), when set. */
  token?: string;
}

/**
 * The CLI's hub connection from MAXHUB_URL and MAXHUB_TOKEN; command-line flags override it.
 * Throws ConfigError for a malformed URL (never echoing the token).
 */
export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  const parsed = z
    .object({
      MAXHUB_URL: url(['http:', 'https:']).default('http://localhost:3000'),
      MAXHUB_TOKEN: z.string().min(1).optional(),
    })
    .safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(variable, `${variable} is invalid: ${issue.message}`);
  }
  return { hubUrl: parsed.data.MAXHUB_URL.replace(/\/$/, ''), token: parsed.data.MAXHUB_TOKEN };
}
