import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { homedir } from 'node:os';
import * as path from 'node:path';
import cliProgress from 'cli-progress';
import type { DatasetPublishOptions } from './dataset-publish.command';

interface Ticket {
  id: string;
  objectKey: string;
  multipart: boolean;
  uploadUrl: string | null;
  partSize: number | null;
  partCount: number | null;
  partUrls: Array<{ partNumber: number; url: string; sizeBytes: number }>;
  uploadedParts: Array<{ partNumber: number; sizeBytes: number }>;
}

const TICKET = `id objectKey multipart uploadUrl partSize partCount partUrls { partNumber url sizeBytes } uploadedParts { partNumber sizeBytes }`;
const CLASSES = ['DIRECT_IDENTIFIER', 'QUASI_IDENTIFIER', 'SENSITIVE', 'TRADE_SECRET', 'OTHER'];
const TYPES = ['string', 'integer', 'decimal', 'boolean', 'timestamp', 'date'];

/** A column as the hub describes it: only what the personal-data lines need. */
interface SampledColumn {
  name: string;
  class: string;
  classSource: string;
  classOverridden: boolean;
  personalData: { kind: string; share: number; sampledValues: number } | null;
}
const COLUMN = `name class classSource classOverridden personalData { kind share sampledValues }`;

/**
 * What personal-data detection made of the columns: those that became DIRECT_IDENTIFIER as
 * proposed, and those the publisher classified otherwise (overrides, shown in the catalog and
 * in every grant over the column).
 */
function personalDataLines(columns: readonly SampledColumn[], where: string): string[] {
  const seen = (c: SampledColumn) =>
    `${c.name} (${c.personalData!.kind}, ${Math.floor(c.personalData!.share * 100)}% of ${c.personalData!.sampledValues} values)`;
  const proposed = columns.filter((c) => c.classSource === 'DETECTED');
  const overridden = columns.filter((c) => c.classOverridden);
  const out: string[] = [];
  if (proposed.length)
    out.push(
      `columns that look like personal data ${where} are DIRECT_IDENTIFIER: ${proposed.map(seen).join(', ')}; classify one with --classify to override`,
    );
  if (overridden.length)
    out.push(
      `you classified columns that look like personal data ${where} otherwise, recorded as overrides: ${overridden.map((c) => `${seen(c)} as ${c.class}`).join(', ')}`,
    );
  return out;
}

/** A GraphQL error from the hub, with its reason code. */
class HubCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Calls the hub's GraphQL endpoint; throws HubCallError with the hub's reason and message. */
async function gql<T>(
  hub: { hubUrl: string; token: string },
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${hub.hubUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${hub.token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new HubCallError('HUB_UNREACHABLE', `the hub at ${hub.hubUrl} did not answer`);
  }
  const body = (await res.json().catch(() => ({}))) as {
    data?: T;
    errors?: Array<{ message: string; extensions?: { code?: string; reason?: string } }>;
  };
  if (body.errors?.length) {
    const e = body.errors[0];
    throw new HubCallError(e.extensions?.reason ?? e.extensions?.code ?? 'HUB_ERROR', e.message);
  }
  if (!body.data) throw new HubCallError('HUB_ERROR', `the hub answered HTTP ${res.status}`);
  return body.data;
}

/** PUTs `length` bytes of the file from `start` to a presigned URL, reporting bytes as they go. */
function putFileRange(
  url: string,
  file: string,
  start: number,
  length: number,
  onBytes: (n: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    const req = lib.request(u, { method: 'PUT', headers: { 'content-length': String(length) } }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode && res.statusCode < 300
          ? resolve()
          : reject(new Error(`the storage refused the upload (HTTP ${res.statusCode})`)),
      );
    });
    req.on('error', reject);
    const stream =
      length === 0
        ? null
        : createReadStream(file, { start, end: start + length - 1, highWaterMark: 1 << 20 });
    if (!stream) return req.end();
    stream.on('data', (c: Buffer | string) => onBytes(c.length));
    stream.on('error', reject);
    stream.pipe(req);
  });
}

function formatOf(file: string, declared?: string): 'CSV' | 'JSONL' | 'PARQUET' {
  if (declared) return declared.toUpperCase() as 'CSV' | 'JSONL' | 'PARQUET';
  const ext = path.extname(file).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return 'PARQUET';
  if (ext === '.jsonl' || ext === '.ndjson') return 'JSONL';
  return 'CSV';
}

function pairs(values: string[], allowed: string[], what: string, upper: boolean): Array<[string, string]> {
  return values.map((v) => {
    const i = v.lastIndexOf('=');
    const col = v.slice(0, i).trim();
    const val = upper
      ? v
          .slice(i + 1)
          .trim()
          .toUpperCase()
      : v
          .slice(i + 1)
          .trim()
          .toLowerCase();
    if (i <= 0 || !allowed.includes(val))
      throw new Error(`--${what} ${JSON.stringify(v)}: expected column=${allowed.join('|')}`);
    return [col, val];
  });
}

function statePath(file: string, size: number, mtimeMs: number, company: string, hubUrl: string): string {
  const id = createHash('sha256')
    .update(`${path.resolve(file)}\n${size}\n${mtimeMs}\n${company}\n${hubUrl}`)
    .digest('hex')
    .slice(0, 32);
  return path.join(homedir(), '.maxhub', 'uploads', `${id}.json`);
}

function progressBar(total: number, enabled: boolean) {
  const started = Date.now();
  let done = 0;
  const bar = enabled
    ? new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format:
            'uploading {bar} {percentage}% | {doneMiB}/{totalMiB} MiB | {speed} MiB/s | ETA {eta_formatted}',
          hideCursor: true,
          noTTYOutput: true,
          notTTYSchedule: 2000,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const payload = () => {
    const secs = Math.max(0.001, (Date.now() - started) / 1000);
    return {
      doneMiB: (done / 2 ** 20).toFixed(1),
      totalMiB: (total / 2 ** 20).toFixed(1),
      speed: (done / 2 ** 20 / secs).toFixed(1),
    };
  };
  return {
    start(already: number) {
      done = already;
      bar?.start(total, already, payload());
    },
    add(n: number) {
      done += n;
      bar?.update(done, payload());
    },
    stop() {
      bar?.update(done, payload());
      bar?.stop();
      const secs = (Date.now() - started) / 1000;
      return { secs, mibPerSec: done / 2 ** 20 / Math.max(secs, 0.001) };
    },
  };
}

/** Uploads, publishes and (unless --no-wait) waits. Returns the process exit code. */
export async function publishFile(
  file: string,
  opts: DatasetPublishOptions,
  hub: { hubUrl: string; token: string },
): Promise<number> {
  if (!existsSync(file)) throw new Error(`no such file: ${file}`);
  const st = statSync(file);
  const size = st.size;
  const format = formatOf(file, opts.format);
  const classifications = pairs(opts.classify, CLASSES, 'classify', true).map(([column, cls]) => ({
    column,
    class: cls,
  }));
  const confirmedTypes = pairs(opts.type, TYPES, 'type', false).map(([column, type]) => ({
    column,
    type: type.toUpperCase(),
  }));
  const partSize = Math.round(Number(opts.partSize) * 2 ** 20);
  const parallel = Math.max(1, Math.min(16, Number(opts.parallel) || 4));
  const state = statePath(file, size, st.mtimeMs, opts.company, hub.hubUrl);
  const showProgress = opts.progress ?? process.stderr.isTTY;
  const say = (s: string) => process.stderr.write(`${s}\n`);

  // 1. A ticket: resume the one this file left open, or ask for a new one.
  let ticket: Ticket | null = null;
  if (existsSync(state)) {
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { ticketId: string };
    try {
      ticket = (
        await gql<{ resumeUpload: Ticket }>(
          hub,
          `mutation($id: ID!) { resumeUpload(ticketId: $id) { ${TICKET} } }`,
          { id: saved.ticketId },
        )
      ).resumeUpload;
      const have = ticket.uploadedParts.reduce((s, p) => s + p.sizeBytes, 0);
      say(
        `resuming the upload: ${ticket.uploadedParts.length} of ${ticket.partCount} parts (${(have / 2 ** 20).toFixed(1)} MiB) already stored`,
      );
    } catch {
      unlinkSync(state);
      ticket = null;
    }
  }
  if (!ticket) {
    ticket = (
      await gql<{ createUploadTicket: Ticket }>(
        hub,
        `mutation($input: CreateUploadTicketInput!) { createUploadTicket(input: $input) { ${TICKET} } }`,
        {
          input: {
            companySlug: opts.company,
            fileName: path.basename(file),
            sizeBytes: size,
            format,
            multipart: size > partSize,
            ...(size > partSize ? { partSize } : {}),
          },
        },
      )
    ).createUploadTicket;
    if (ticket.multipart) {
      mkdirSync(path.dirname(state), { recursive: true });
      writeFileSync(
        state,
        JSON.stringify({ ticketId: ticket.id, file: path.resolve(file), company: opts.company }),
        { mode: 0o600 },
      );
    }
  }

  // 2. The bytes, straight to the company's storage.
  const progress = progressBar(size, !!showProgress);
  if (!ticket.multipart) {
    progress.start(0);
    await putFileRange(ticket.uploadUrl!, file, 0, size, (n) => progress.add(n));
  } else {
    const already = ticket.uploadedParts.reduce((s, p) => s + p.sizeBytes, 0);
    progress.start(already);
    let queue = [...ticket.partUrls];
    const limit = opts.maxParts !== undefined ? Number(opts.maxParts) : Infinity;
    const stopEarly = queue.length > limit;
    queue = queue.slice(0, limit);
    const ps = ticket.partSize!;
    await Promise.all(
      Array.from({ length: Math.min(parallel, queue.length) }, async () => {
        for (let p = queue.shift(); p; p = queue.shift()) {
          const part = p;
          await putFileRange(part.url, file, (part.partNumber - 1) * ps, part.sizeBytes, (n) =>
            progress.add(n),
          );
        }
      }),
    );
    if (stopEarly) {
      progress.stop();
      say(`stopped after ${limit} parts as asked; run the same command again to resume`);
      return 3;
    }
    await gql(hub, `mutation($id: ID!) { completeUpload(ticketId: $id) { id } }`, { id: ticket.id });
  }
  const took = progress.stop();
  say(
    `uploaded ${(size / 2 ** 20).toFixed(1)} MiB in ${took.secs.toFixed(1)} s (${took.mibPerSec.toFixed(1)} MiB/s)`,
  );

  // 3. Register the version.
  const published = (
    await gql<{
      publishDataset: {
        dataset: { id: string };
        version: { id: string; version: number };
        defaultedColumns: string[];
        sampledColumns: SampledColumn[];
      };
    }>(
      hub,
      `mutation($input: PublishDatasetInput!) { publishDataset(input: $input) { dataset { id } version { id version } defaultedColumns sampledColumns { ${COLUMN} } } }`,
      {
        input: {
          companySlug: opts.company,
          ticketId: ticket.id,
          name: opts.name,
          format,
          ...(opts.encoding ? { encoding: opts.encoding.toUpperCase().replace('-', '_') } : {}),
          ...(opts.description !== undefined ? { description: opts.description } : {}),
          ...(opts.tag.length ? { tags: opts.tag } : {}),
          classifications,
          ...(confirmedTypes.length ? { confirmedTypes } : {}),
        },
      },
    )
  ).publishDataset;
  if (existsSync(state)) unlinkSync(state);
  const { dataset, version, defaultedColumns } = published;
  say(`registered version ${version.version} of "${opts.name}" (version id ${version.id})`);
  if (defaultedColumns.length)
    say(`columns without a class got TRADE_SECRET: ${defaultedColumns.join(', ')}`);
  for (const line of personalDataLines(published.sampledColumns, 'in the first rows')) say(line);
  if (!opts.wait) {
    if (opts.json)
      process.stdout.write(
        JSON.stringify({ datasetId: dataset.id, versionId: version.id, status: 'VALIDATING' }) + '\n',
      );
    return 0;
  }

  // 4. Wait for the worker's verdict.
  say('validating the whole object…');
  for (;;) {
    const v = (
      await gql<{
        datasetVersion: {
          status: string;
          rowCount: number | null;
          sha256: string | null;
          rejection: { code: string; message: string; line: number | null; row: number | null } | null;
          columns: SampledColumn[];
        };
      }>(
        hub,
        `query($id: ID!) { datasetVersion(id: $id) { status rowCount sha256 rejection { code message line row } columns { ${COLUMN} } } }`,
        { id: version.id },
      )
    ).datasetVersion;
    if (v.status === 'VALIDATING') {
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    if (opts.json) {
      process.stdout.write(JSON.stringify({ datasetId: dataset.id, versionId: version.id, ...v }) + '\n');
    } else if (v.status === 'PUBLISHED') {
      process.stdout.write(
        `PUBLISHED: ${opts.name} v${version.version}, ${v.rowCount} rows, SHA-256 ${v.sha256}\n`,
      );
      for (const line of personalDataLines(v.columns, 'over the whole object'))
        process.stdout.write(`${line}\n`);
    } else {
      const where = v.rejection?.line
        ? ` at line ${v.rejection.line}`
        : v.rejection?.row
          ? ` at row ${v.rejection.row}`
          : '';
      process.stdout.write(`REJECTED${where}: ${v.rejection?.code}: ${v.rejection?.message}\n`);
      // The hub never hands out a URL to the raw object: both go through the hub, audited.
      process.stdout.write(
        `The rejected object stays in your company's bucket. Download it through the hub with\n` +
          `  curl -fH "Authorization: Bearer $MAXHUB_TOKEN" -o rejected-upload ${hub.hubUrl}/datasets/versions/${version.id}/rejected-upload\n` +
          `or delete it with the GraphQL mutation deleteRejectedUpload(versionId: "${version.id}").\n`,
      );
    }
    return v.status === 'PUBLISHED' ? 0 : 2;
  }
}
