/**
 * `maxhub contract terminate`: a party's legal signer ends a grant with a signed termination
 * document (maxhub.grant-termination/v1, docs/grant-termination.md).
 */
import { Command, Option } from 'commander';
import type { GrantDocument } from '@maxhub/contracts';
import {
  CliRefusal,
  contractsLib,
  hubGql,
  loadSigner,
  pkiLib,
  signCanonical,
  withSigningOptions,
  type SigningOptions,
} from './contract-support';

type Party = 'GRANTOR' | 'GRANTEE';

interface TerminateOptions extends SigningOptions {
  reason: string;
  party?: Party;
  effectiveAt?: string;
  outDir?: string;
}

interface LiveVersion {
  version: number;
  state: string;
  sha256: string;
  canonicalDocument: string;
}

const GRANT = `query($id: ID!) {
  grant(id: $id) { currentVersion { version state sha256 canonicalDocument } }
}`;
const TERMINATE = `mutation($g: ID!, $d: String!, $s: String!) {
  terminateGrant(grantId: $g, terminationDocument: $d, signature: $s) {
    state versions { version state stateReason endedAt }
  }
}`;

/** States of a version the hub can terminate (its "live" version). */
const LIVE_STATES = ['ACTIVE', 'SUSPENDED'];

/** Signing times may run this far ahead of the hub's clock; an effectiveAt may too. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** A ContractError becomes a refusal with the library's code; anything else passes through. */
async function contractRefusal<T>(fn: () => T): Promise<T> {
  const c = await contractsLib();
  try {
    return fn();
  } catch (err) {
    if (err instanceof c.ContractError) throw new CliRefusal(err.code, err.message);
    throw err;
  }
}

/**
 * The version to terminate: the grant's live version, its bytes checked against their SHA-256
 * and read as a grant document of this very grant (its parties decide which side the signer is).
 */
async function liveVersion(grantId: string) {
  const { grant } = await hubGql<{ grant: { currentVersion: LiveVersion } }>(GRANT, {
    id: grantId,
  });
  const v = grant.currentVersion;
  if (!LIVE_STATES.includes(v.state))
    throw new CliRefusal(
      'GRANT_NOT_ACTIVE',
      `the grant has no live version to terminate (version ${v.version} is ${v.state})`,
    );
  const c = await contractsLib();
  const bytes = Buffer.from(v.canonicalDocument, 'utf8');
  if (c.sha256Hex(bytes) !== v.sha256)
    throw new CliRefusal('GRANT_DOCUMENT_TAMPERED', 'the bytes the hub sent do not match their SHA-256');
  const doc = await contractRefusal(() => c.parseCanonicalGrant(bytes));
  if (doc.grantId !== grantId || doc.version !== v.version)
    throw new CliRefusal(
      'GRANT_DOCUMENT_TAMPERED',
      'the document the hub sent names another grant or version',
    );
  return { version: v.version, sha256: v.sha256, doc };
}

/**
 * The party the signer's certificate speaks for in this grant, by the rule the hub applies
 * (`signerMatchesParty`: the certificate's organization and the LEGAL role). The hub decides
 * again from the verified signature; this only fills in the document.
 */
async function partyOfCertificate(
  certPem: string,
  doc: Pick<GrantDocument, 'grantor' | 'grantee'>,
): Promise<Party> {
  const { describeCertificate } = await pkiLib();
  const { signerMatchesParty } = await contractsLib();
  const identity = describeCertificate(certPem).identity;
  const party = identity ? signerMatchesParty(identity, doc) : null;
  if (party) return party;
  const who = identity
    ? `a ${identity.role} certificate of ${identity.orgKind} ${identity.orgSlug}`
    : 'a certificate without the alliance identity';
  throw new CliRefusal(
    'GRANT_SIGNER_NOT_A_PARTY',
    `your certificate is ${who}; only a LEGAL certificate of company ${doc.grantor.companySlug} (grantor) or working group ${doc.grantee.workingGroupSlug} (grantee) can terminate this grant`,
  );
}

/** --effective-at, or now (whole seconds); refused when malformed or in the future. */
async function effectiveAt(given: string | undefined): Promise<string> {
  if (given === undefined) return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const { TerminationDocumentSchema } = await contractsLib();
  if (!TerminationDocumentSchema.shape.effectiveAt.safeParse(given).success)
    throw new CliRefusal(
      'CLI_EFFECTIVE_AT_INVALID',
      '--effective-at must be a UTC instant in ISO 8601, such as 2026-03-01T00:00:00Z',
    );
  // The hub ends the grant when it accepts the termination: a later effectiveAt would put in the
  // signed document a date the hub does not keep.
  if (Date.parse(given) > Date.now() + CLOCK_SKEW_MS)
    throw new CliRefusal(
      'CLI_EFFECTIVE_AT_FUTURE',
      '--effective-at is in the future, but the hub ends the grant as soon as it accepts the termination',
    );
  return given;
}

/** Writes the termination document and its signature into `dir` (created if missing). */
async function writeTermination(dir: string, bytes: Buffer, signature: Buffer) {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const path = await import('node:path');
  mkdirSync(dir, { recursive: true });
  const documentFile = path.join(dir, 'termination.json');
  writeFileSync(documentFile, bytes);
  writeFileSync(`${documentFile}.p7s`, signature);
  return { documentFile, signatureFile: `${documentFile}.p7s` };
}

/** `maxhub contract terminate GRANT_ID --reason TEXT (--key K --cert C | --p12 P) …`. */
export function contractTerminateCommand(): Command {
  return withSigningOptions(
    new Command('terminate')
      .description(
        'end a grant: build the termination document for its live version, sign it and submit it (MAXHUB_URL, MAXHUB_TOKEN); format: docs/grant-termination.md',
      )
      .argument('<grantId>', 'grant id')
      .requiredOption(
        '--reason <text>',
        'why the grant ends (written into the signed document, 1–2000 characters)',
      ),
  )
    .addOption(
      new Option(
        '--party <party>',
        'the party you terminate for (default: the one your certificate names; the hub checks it)',
      ).choices(['GRANTOR', 'GRANTEE']),
    )
    .option(
      '--effective-at <iso>',
      'the instant the termination takes effect, UTC, not in the future (default: now)',
    )
    .option('--out-dir <dir>', 'also keep the signed document and signature: DIR/termination.json(.p7s)')
    .action(async (grantId: string, o: TerminateOptions) => {
      const c = await contractsLib();
      // Everything local first: a wrong key or date is refused before the hub is asked.
      const signer = await loadSigner(o);
      const at = await effectiveAt(o.effectiveAt);
      const live = await liveVersion(grantId);
      const party = o.party ?? (await partyOfCertificate(signer.certPem, live.doc));
      const bytes = await contractRefusal(() =>
        c.canonicalBytes({
          schema: c.TERMINATION_SCHEMA,
          grantId,
          grantSha256: live.sha256,
          party,
          reason: o.reason,
          effectiveAt: at,
        }),
      );
      // The same rules the hub reads it with (text safety, lengths, canonical form).
      await contractRefusal(() => c.parseCanonicalTermination(bytes));
      const signature = await signCanonical(bytes, signer);
      const files = o.outDir ? await writeTermination(o.outDir, bytes, signature) : undefined;
      const { terminateGrant: g } = await hubGql<{
        terminateGrant: {
          state: string;
          versions: Array<{
            version: number;
            state: string;
            stateReason: string | null;
            endedAt: string | null;
          }>;
        };
      }>(TERMINATE, { g: grantId, d: bytes.toString('utf8'), s: signature.toString('base64') });
      const ended = g.versions.find((v) => v.version === live.version);
      process.stdout.write(
        `Terminated grant ${grantId} version ${live.version} (SHA-256 ${live.sha256}) for the ${party.toLowerCase()}\n` +
          `Termination SHA-256 ${c.sha256Hex(bytes)}, effective ${at}\n` +
          (files ? `Document: ${files.documentFile}\nSignature: ${files.signatureFile}\n` : '') +
          `Grant ${grantId} is ${g.state}` +
          (ended
            ? `: version ${ended.version} ${ended.state}${ended.stateReason ? ` (${ended.stateReason})` : ''}`
            : '') +
          (ended?.endedAt ? `, ended ${ended.endedAt}` : '') +
          '\n',
      );
    });
}
