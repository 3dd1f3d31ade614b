/** `maxhub contract draft`: a lawyer drafts a grant from a JSON file and gets back the bytes to sign. */
import { Command } from 'commander';
import { CliRefusal, contractsLib, hubGql } from './contract-support';

/**
 * Largest draft file read. The hub's own limit on a draft (1 MiB, measured on the input it
 * receives) is the one that counts; this only keeps a wrong file from being read whole.
 */
const MAX_DRAFT_FILE_BYTES = 4 * 1024 * 1024;

const DRAFT_GRANT = `mutation($input: DraftGrantInput!) {
  draftGrant(input: $input) { grantId version state sha256 canonicalDocument text }
}`;

interface DraftedVersion {
  grantId: string;
  version: number;
  state: string;
  sha256: string;
  canonicalDocument: string;
  text: string;
}

/** 1-based line and column (in characters) of a UTF-16 offset into `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: [...lines[lines.length - 1]].length + 1 };
}

/**
 * Where JSON.parse stops on `text` when its message does not say (V8's "Unexpected token 'x'"):
 * the shortest prefix that is no longer the start of some JSON text ends at the offending
 * character. A prefix is still such a start when it parses, runs out ("Unexpected end …"), or
 * fails exactly at its own end. About log2(length) parses.
 */
function offendingOffset(text: string): number | undefined {
  const viable = (prefix: string) => {
    try {
      JSON.parse(prefix);
      return true;
    } catch (err) {
      const m = (err as Error).message;
      const at = /at position (\d+)/.exec(m);
      return /Unexpected end of JSON input/.test(m) || (at !== null && Number(at[1]) >= prefix.length);
    }
  };
  if (viable(text)) return undefined;
  let lo = 0; // viable(text.slice(0, lo)) holds
  let hi = text.length; // viable(text.slice(0, hi)) fails
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (viable(text.slice(0, mid))) lo = mid;
    else hi = mid;
  }
  return hi - 1;
}

/**
 * Why JSON.parse refused `text`, in words that say where (line and column) and never quote the
 * file back (V8 quotes the start of the text in some messages).
 */
export function describeJsonError(text: string, err: SyntaxError): string {
  const message = err.message;
  const lineCol = /\(line (\d+) column (\d+)\)/.exec(message);
  const position = /at position (\d+)/.exec(message);
  const reason = message
    .replace(/^(Unexpected token '.+?'), .*is not valid JSON$/su, '$1')
    .replace(/^(.*?), .*is not valid JSON$/su, '$1')
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/ \(line \d+ column \d+\)$/, '')
    .replace(/^Unexpected end of JSON input$/, 'the JSON ends too early');
  let where: { line: number; column: number } | undefined;
  if (lineCol) where = { line: Number(lineCol[1]), column: Number(lineCol[2]) };
  else if (position) where = lineAndColumn(text, Number(position[1]));
  else if (/Unexpected end of JSON input/.test(message)) where = lineAndColumn(text, text.length);
  else {
    const offset = offendingOffset(text);
    if (offset !== undefined) where = lineAndColumn(text, offset);
  }
  return where ? `${reason} at line ${where.line}, column ${where.column}` : reason;
}

/** Reads a draft input file: UTF-8 JSON (a leading byte-order mark is allowed) holding one object. */
export async function readDraftInput(file: string): Promise<Record<string, unknown>> {
  const { readFileSync, statSync } = await import('node:fs');
  let bytes: Buffer;
  try {
    if (statSync(file).size > MAX_DRAFT_FILE_BYTES)
      throw new CliRefusal(
        'CLI_DRAFT_TOO_LARGE',
        `${file} is larger than ${MAX_DRAFT_FILE_BYTES / 1024 / 1024} MiB; a draft is far smaller`,
      );
    bytes = readFileSync(file);
  } catch (err) {
    if (err instanceof CliRefusal) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliRefusal('CLI_FILE_NOT_FOUND', `${file}: no such file`);
    if (code === 'EISDIR') throw new CliRefusal('CLI_FILE_UNREADABLE', `${file} is a directory`);
    throw new CliRefusal('CLI_FILE_UNREADABLE', `${file} cannot be read (${code ?? 'error'})`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CliRefusal('CLI_DRAFT_NOT_UTF8', `${file} is not UTF-8 text; save it as UTF-8`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    throw new CliRefusal(
      'CLI_DRAFT_JSON_INVALID',
      `${file} is not valid JSON: ${describeJsonError(text, err)}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CliRefusal(
      'CLI_DRAFT_NOT_AN_OBJECT',
      `${file} must hold one JSON object: the fields of DraftGrantInput`,
    );
  return value as Record<string, unknown>;
}

/**
 * The bytes the hub answered, checked before anyone signs them: their SHA-256 is the one the hub
 * names, they are the canonical form of a valid grant document, and that document is the
 * drafted grant and version.
 */
async function checkedBytes(v: DraftedVersion): Promise<Buffer> {
  const c = await contractsLib();
  const bytes = Buffer.from(v.canonicalDocument, 'utf8');
  if (c.sha256Hex(bytes) !== v.sha256)
    throw new CliRefusal('GRANT_DOCUMENT_TAMPERED', 'the bytes the hub sent do not match their SHA-256');
  let doc;
  try {
    doc = c.parseCanonicalGrant(bytes);
  } catch (err) {
    if (err instanceof c.ContractError) throw new CliRefusal(err.code, err.message);
    throw err;
  }
  if (doc.grantId !== v.grantId || doc.version !== v.version)
    throw new CliRefusal(
      'GRANT_DOCUMENT_TAMPERED',
      'the document the hub sent names another grant or version',
    );
  return bytes;
}

/** `maxhub contract draft FILE.json [--out grant.json]`. */
export function contractDraftCommand(): Command {
  return new Command('draft')
    .description(
      'draft a grant (or an amendment) from a JSON file of DraftGrantInput fields (MAXHUB_URL, MAXHUB_TOKEN); prints the id, version, SHA-256 and the terms as text',
    )
    .argument(
      '<file>',
      'draft.json: {grantorCompanySlug, granteeWorkingGroupSlug, [amendsGrantId], purpose, termFrom, termUntil, datasets: [...], limits: {...}}',
    )
    .option('--out <file>', 'also write the canonical bytes to sign (as `maxhub contract fetch` does)')
    .action(async (file: string, o: { out?: string }) => {
      const input = await readDraftInput(file);
      const { draftGrant: v } = await hubGql<{ draftGrant: DraftedVersion }>(DRAFT_GRANT, { input });
      const bytes = await checkedBytes(v);
      if (o.out) {
        const { writeFileSync } = await import('node:fs');
        try {
          writeFileSync(o.out, bytes);
        } catch (err) {
          // The draft exists on the hub by now: say how to get its bytes again.
          throw new CliRefusal(
            'CLI_FILE_UNWRITABLE',
            `grant ${v.grantId} version ${v.version} was drafted, but ${o.out} could not be written (${(err as NodeJS.ErrnoException).code ?? 'error'}); ` +
              `\`maxhub contract fetch ${v.grantId} --out FILE\` saves its bytes`,
          );
        }
      }
      process.stdout.write(
        `Drafted grant ${v.grantId} version ${v.version} (${v.state})\nSHA-256 ${v.sha256}\n` +
          (o.out
            ? `Canonical bytes: ${o.out}\n`
            : `Save the bytes to sign with: maxhub contract fetch ${v.grantId} --out grant.json\n`) +
          `\n${v.text.replace(/\n?$/, '\n')}`,
      );
    });
}
