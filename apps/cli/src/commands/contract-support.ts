/** What the `maxhub contract …` commands share: refusals, the hub call, reading and signing documents. */
import type { Command } from 'commander';
import { loadSigningMaterial } from './pki.command';

// Heavy libraries load only inside the actions that need them.
export const pkiLib = () => import('@maxhub/pki');
export const contractsLib = () => import('@maxhub/contracts');

/** A refusal with a reason code: printed as "maxhub: CODE: message", exit 1 (see main.ts). */
export class CliRefusal extends Error {
  constructor(
    readonly code: string,
    readonly safeMessage: string,
  ) {
    super(safeMessage);
  }
}

/** Reads a grant or termination document and insists on its canonical bytes. */
export async function readCanonicalDocument(file: string) {
  const { readFileSync } = await import('node:fs');
  const c = await contractsLib();
  const bytes = readFileSync(file);
  try {
    const value = c.assertCanonical(bytes) as { schema?: unknown };
    if (value.schema === c.TERMINATION_SCHEMA) {
      return { bytes, kind: 'termination' as const, termination: c.parseCanonicalTermination(bytes) };
    }
    return { bytes, kind: 'grant' as const, grant: c.parseCanonicalGrant(bytes) };
  } catch (err) {
    if (err instanceof c.ContractError) throw new CliRefusal(err.code, err.message);
    throw err;
  }
}

/** The options that name the signer's key and certificate (`contract sign`, `contract terminate`). */
export interface SigningOptions {
  key?: string;
  cert?: string;
  p12?: string;
  passphraseFile?: string;
}

/** Adds --key/--cert, --p12 and --passphrase-file, worded the same on every command that signs. */
export function withSigningOptions(cmd: Command): Command {
  return cmd
    .option('--key <file>', 'your private key (PEM)')
    .option('--cert <file>', 'your certificate (PEM)')
    .option('--p12 <file>', 'your PKCS#12 (instead of --key/--cert)')
    .option('--passphrase-file <file>', 'passphrase of the PKCS#12 or of an encrypted key');
}

/** The signer's key and certificate, refused when the key does not belong to the certificate. */
export async function loadSigner(o: SigningOptions): Promise<{ keyPem: string; certPem: string }> {
  const { keyPem, certPem } = await loadSigningMaterial(o);
  const { createPublicKey, X509Certificate } = await import('node:crypto');
  const certKey = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  if (!createPublicKey(keyPem).export({ type: 'spki', format: 'der' }).equals(certKey)) {
    throw new CliRefusal('PKI_KEY_CERT_MISMATCH', 'the key does not belong to the certificate');
  }
  return { keyPem, certPem };
}

/** A detached CMS signature (DER, SHA-256) over exactly `bytes`, as `contract sign` makes it. */
export async function signCanonical(
  bytes: Buffer,
  signer: { keyPem: string; certPem: string },
): Promise<Buffer> {
  const { signDetached } = await pkiLib();
  return signDetached(bytes, signer.keyPem, signer.certPem);
}

/** Sends a GraphQL operation to the hub named by MAXHUB_URL with MAXHUB_TOKEN; a refusal keeps the hub's reason code. */
export async function hubGql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const { loadCliConfig } = await import('@maxhub/config');
  const cfg = loadCliConfig();
  if (!cfg.token) throw new CliRefusal('AUTH_TOKEN_MISSING', 'set MAXHUB_TOKEN to your API token');
  let res: Response;
  try {
    res = await fetch(`${cfg.hubUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cfg.token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new CliRefusal('HUB_UNREACHABLE', `the hub at ${cfg.hubUrl} did not answer (MAXHUB_URL)`);
  }
  let body: {
    data?: T | null;
    errors?: Array<{ message: string; extensions?: { reason?: string; code?: string } }>;
  };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new CliRefusal('HUB_ERROR', `the hub answered HTTP ${res.status} without a GraphQL response`);
  }
  if (body.errors?.length) {
    const e = body.errors[0];
    throw new CliRefusal(e.extensions?.reason ?? e.extensions?.code ?? 'HUB_ERROR', e.message);
  }
  if (!body.data) throw new CliRefusal('HUB_ERROR', `the hub answered HTTP ${res.status} without data`);
  return body.data;
}
