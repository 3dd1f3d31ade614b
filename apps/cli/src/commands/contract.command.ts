import { Command } from 'commander';
import { contractDraftCommand } from './contract-draft.command';
import {
  CliRefusal,
  contractsLib,
  hubGql,
  loadSigner,
  pkiLib,
  readCanonicalDocument,
  signCanonical,
  withSigningOptions,
  type SigningOptions,
} from './contract-support';
import { contractTerminateCommand } from './contract-terminate.command';

function contractShowCommand(): Command {
  return new Command('show')
    .description('print a grant (or termination) document as text, with the SHA-256 of its canonical bytes')
    .argument('<file>', 'grant.json (canonical bytes, e.g. from `maxhub contract fetch`)')
    .option(
      '--lang <lang>',
      'language of the text: en or ko (both rendered from the same canonical bytes)',
      'en',
    )
    .action(async (file: string, o: { lang: string }) => {
      const c = await contractsLib();
      const lang = c.DOCUMENT_LANGUAGES.find((l) => l === o.lang);
      if (lang === undefined)
        throw new CliRefusal(
          'CLI_LANGUAGE_INVALID',
          `--lang must be one of ${c.DOCUMENT_LANGUAGES.join(', ')}`,
        );
      const doc = await readCanonicalDocument(file);
      const sha = c.sha256Hex(doc.bytes);
      if (doc.kind === 'grant')
        process.stdout.write(c.renderGrantText(doc.grant, { sha256: sha, lang }) + '\n');
      else {
        const t = doc.termination;
        process.stdout.write(
          `TERMINATION of grant ${t.grantId}\n  version SHA-256: ${t.grantSha256}\n  by the ${t.party.toLowerCase()}\n` +
            `  effective: ${t.effectiveAt}\n  reason: ${t.reason}\n`,
        );
      }
      process.stdout.write(
        lang === 'ko' ? `\n정규 바이트의 SHA-256: ${sha}\n` : `\nSHA-256 of the canonical bytes: ${sha}\n`,
      );
    });
}

function contractSignCommand(): Command {
  return withSigningOptions(
    new Command('sign')
      .description('sign exactly the canonical bytes of a document: detached CMS (SHA-256), written as DER')
      .argument('<file>', 'grant.json or termination.json (must be canonical)'),
  )
    .option('--out <file>', 'signature file (default <file>.p7s)')
    .action(async (file: string, o: SigningOptions & { out?: string }) => {
      const doc = await readCanonicalDocument(file);
      const signature = await signCanonical(doc.bytes, await loadSigner(o));
      const { sha256Hex } = await contractsLib();
      const { writeFileSync } = await import('node:fs');
      const out = o.out ?? `${file}.p7s`;
      writeFileSync(out, signature);
      process.stdout.write(`Signed SHA-256 ${sha256Hex(doc.bytes)}\nSignature: ${out}\n`);
    });
}

function contractVerifyCommand(): Command {
  return new Command('verify')
    .description(
      'verify signatures offline against the alliance CA and CRL; exit 0 only if all verify and both parties signed (different people)',
    )
    .argument('<file>', 'grant.json (canonical bytes)')
    .argument('<signatures...>', 'detached signatures (.p7s DER or PEM)')
    .requiredOption(
      '--ca <file>',
      'the alliance CA chain (PEM, GET /pki/ca): self-signed ones are the trust anchors',
    )
    .requiredOption('--crl <file>', 'the current CRL (PEM, GET /pki/crl)')
    .option('--at <iso>', 'verify as of this instant (default now)')
    .action(async (file: string, signatures: string[], o: { ca: string; crl: string; at?: string }) => {
      const doc = await readCanonicalDocument(file);
      if (doc.kind !== 'grant') throw new CliRefusal('CONTRACT_MALFORMED', 'verify expects a grant document');
      const { readFileSync } = await import('node:fs');
      const { X509Certificate } = await import('node:crypto');
      const p = await pkiLib();
      const c = await contractsLib();
      const anchors: string[] = [];
      const intermediates: string[] = [];
      for (const der of p.splitPem(readFileSync(o.ca, 'utf8'), 'CERTIFICATE')) {
        const x = new X509Certificate(der);
        const selfSigned = x.subject === x.issuer && x.verify(x.publicKey);
        (selfSigned ? anchors : intermediates).push(p.toPem(der, 'CERTIFICATE'));
      }
      if (anchors.length === 0)
        throw new CliRefusal('PKI_UNTRUSTED_CHAIN', 'the --ca file holds no root certificate');
      const crl = readFileSync(o.crl, 'utf8');
      const now = o.at ? new Date(o.at) : new Date();
      const sha = c.sha256Hex(doc.bytes);
      process.stdout.write(`Grant ${doc.grant.grantId} version ${doc.grant.version}\nSHA-256 ${sha}\n`);
      let ok = true;
      const parties = new Map<string, string>();
      for (const sigFile of signatures) {
        const raw = readFileSync(sigFile);
        const signature = raw.subarray(0, 10).toString('latin1').startsWith('-----')
          ? raw.toString('latin1')
          : raw;
        try {
          // The hub's rules, as far as these inputs allow (the hub adds its certificate records).
          const v = await c.verifyDocumentSignature({
            content: doc.bytes,
            signature,
            trustAnchorsPem: anchors,
            intermediatesPem: intermediates,
            crlsPem: [crl],
            now,
          });
          const party = c.signerMatchesParty(v.signer, doc.grant);
          const who = `${v.signer.name} (${v.signer.role}, ${v.signer.orgKind} ${v.signer.orgSlug}), certificate ${v.signer.serialNumber}, signed ${v.signingTime.toISOString()}`;
          if (!party) {
            ok = false;
            process.stdout.write(
              `${sigFile}: FAILED GRANT_SIGNER_NOT_A_PARTY: ${who} is not a party's legal signer\n`,
            );
          } else if (parties.has(party) || [...parties.values()].includes(v.signer.personId)) {
            ok = false;
            process.stdout.write(
              `${sigFile}: FAILED GRANT_SAME_SIGNER: ${who} (a party or person counted twice)\n`,
            );
          } else {
            parties.set(party, v.signer.personId);
            process.stdout.write(`${sigFile}: OK ${party} ${who}\n`);
          }
        } catch (err) {
          if (!(err instanceof p.PkiError)) throw err;
          ok = false;
          process.stdout.write(`${sigFile}: FAILED ${err.code}: ${err.message}\n`);
        }
      }
      for (const party of ['GRANTOR', 'GRANTEE']) {
        if (!parties.has(party)) {
          ok = false;
          process.stdout.write(`missing: no valid signature of the ${party.toLowerCase()}\n`);
        }
      }
      process.stdout.write(ok ? 'VERIFIED: both parties signed these exact bytes\n' : 'NOT VERIFIED\n');
      if (!ok) process.exitCode = 1;
    });
}

function contractFetchCommand(): Command {
  return new Command('fetch')
    .description(
      'save a grant version’s canonical bytes from the hub (MAXHUB_URL, MAXHUB_TOKEN), checking its SHA-256',
    )
    .argument('<grantId>', 'grant id')
    .option('--version <n>', 'version number (default: the current version)')
    .requiredOption('--out <file>', 'where to write the canonical bytes')
    .action(async (grantId: string, o: { version?: string; out: string }) => {
      const d = await hubGql<{
        grant: {
          currentVersion: { version: number };
          versions: Array<{ version: number; sha256: string; canonicalDocument: string }>;
        };
      }>(
        `query($id: ID!) { grant(id: $id) { currentVersion { version } versions { version sha256 canonicalDocument } } }`,
        { id: grantId },
      );
      const want = o.version ? Number(o.version) : d.grant.currentVersion.version;
      const v = d.grant.versions.find((x) => x.version === want);
      if (!v) throw new CliRefusal('GRANT_VERSION_NOT_FOUND', 'no such version of the grant');
      const bytes = Buffer.from(v.canonicalDocument, 'utf8');
      const { sha256Hex } = await contractsLib();
      if (sha256Hex(bytes) !== v.sha256)
        throw new CliRefusal('GRANT_DOCUMENT_TAMPERED', 'the bytes do not match their SHA-256');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(o.out, bytes);
      process.stdout.write(`Grant ${grantId} version ${v.version}: ${o.out}\nSHA-256 ${v.sha256}\n`);
    });
}

function contractAttachCommand(): Command {
  return new Command('attach')
    .description('upload your signature of a grant version to the hub (MAXHUB_URL, MAXHUB_TOKEN)')
    .argument('<grantId>', 'grant id')
    .argument('<signature>', 'the .p7s file from `maxhub contract sign`')
    .requiredOption('--version <n>', 'the version you signed')
    .action(async (grantId: string, sigFile: string, o: { version: string }) => {
      const { readFileSync } = await import('node:fs');
      const raw = readFileSync(sigFile);
      const signature = raw.subarray(0, 10).toString('latin1').startsWith('-----')
        ? raw.toString('latin1')
        : raw.toString('base64');
      const d = await hubGql<{ attachGrantSignature: { version: number; state: string } }>(
        `mutation($g: ID!, $v: Int!, $s: String!) { attachGrantSignature(grantId: $g, version: $v, signature: $s) { version state } }`,
        { g: grantId, v: Number(o.version), s: signature },
      );
      process.stdout.write(
        `Attached. Grant ${grantId} version ${d.attachGrantSignature.version} is ${d.attachGrantSignature.state}\n`,
      );
    });
}

/**
 * `maxhub contract …`: read, sign and verify grant documents offline; draft, fetch, attach and
 * terminate with the hub.
 */
export function contractCommand(): Command {
  return new Command('contract')
    .description(
      'grant documents: show, sign and verify offline; draft, fetch, attach and terminate with the hub',
    )
    .addCommand(contractDraftCommand())
    .addCommand(contractShowCommand())
    .addCommand(contractSignCommand())
    .addCommand(contractVerifyCommand())
    .addCommand(contractFetchCommand())
    .addCommand(contractAttachCommand())
    .addCommand(contractTerminateCommand());
}
