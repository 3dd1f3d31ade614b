import { Command } from 'commander';

// Heavy libraries (node-forge, pkijs) load only inside the actions that need them.
const pkiLib = () => import('@maxhub/pki');

/** Reads a passphrase file (first line, without the line break). */
async function readPassphrase(file: string): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const p = readFileSync(file, 'utf8').split(/\r?\n/)[0];
  if (!p) throw new Error('the passphrase file is empty');
  return p;
}

async function writeSecret(file: string, data: string | Buffer): Promise<void> {
  const { writeFileSync, chmodSync } = await import('node:fs');
  writeFileSync(file, data, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
}

/** `maxhub pki request`: a key and a CSR made on this machine; the key never leaves it. */
function pkiRequestCommand(): Command {
  return new Command('request')
    .description('generate an RSA-3072 key and a CSR to send to the alliance operator (the key stays here)')
    .requiredOption('--name <name>', 'your name as it should appear in the certificate')
    .requiredOption('--org <slug>', 'slug of your company or working group, e.g. hanbit-motors')
    .option('--org-kind <kind>', 'company or working-group', 'company')
    .option('--email <email>', 'your e-mail address (informational)')
    .requiredOption('--out-key <file>', 'where to write the private key (PEM, mode 0600; never overwritten)')
    .requiredOption('--out-csr <file>', 'where to write the CSR (PEM)')
    .option('--passphrase-file <file>', 'encrypt the private key (PKCS#8, AES-256) with this passphrase')
    .action(
      async (o: {
        name: string;
        org: string;
        orgKind: string;
        email?: string;
        outKey: string;
        outCsr: string;
        passphraseFile?: string;
      }) => {
        if (o.orgKind !== 'company' && o.orgKind !== 'working-group') {
          throw new Error('--org-kind must be company or working-group');
        }
        const { createKeyAndCsr } = await pkiLib();
        const { createPrivateKey } = await import('node:crypto');
        const { writeFileSync } = await import('node:fs');
        const { privateKeyPem, csrPem } = createKeyAndCsr({
          name: o.name,
          org: o.org,
          orgKind: o.orgKind,
          role: 'LEGAL',
          ...(o.email ? { email: o.email } : {}),
        });
        const keyOut = o.passphraseFile
          ? createPrivateKey(privateKeyPem).export({
              type: 'pkcs8',
              format: 'pem',
              cipher: 'aes-256-cbc',
              passphrase: await readPassphrase(o.passphraseFile),
            })
          : privateKeyPem;
        await writeSecret(o.outKey, keyOut);
        writeFileSync(o.outCsr, csrPem);
        process.stdout.write(
          `Private key: ${o.outKey} (keep it on this machine${o.passphraseFile ? ', encrypted' : ''})\n` +
            `CSR:         ${o.outCsr} (send it to the alliance operator: issueCertificate)\n`,
        );
      },
    );
}

/** `maxhub pki pack`: key + certificate (+ chain) into a passphrase-protected PKCS#12. */
function pkiPackCommand(): Command {
  return new Command('pack')
    .description('pack your key and certificate into a PKCS#12 file protected by a passphrase')
    .requiredOption('--key <file>', 'private key (PEM)')
    .requiredOption('--cert <file>', 'your certificate (PEM)')
    .option('--chain <file>', 'CA chain to include (PEM, e.g. from GET /pki/ca)')
    .requiredOption('--out <file>', 'the .p12 file to write (never overwritten)')
    .requiredOption('--passphrase-file <file>', 'file holding the passphrase')
    .option('--key-passphrase-file <file>', 'passphrase of an encrypted key')
    .action(
      async (o: {
        key: string;
        cert: string;
        chain?: string;
        out: string;
        passphraseFile: string;
        keyPassphraseFile?: string;
      }) => {
        const { exportPkcs12, splitPem, toPem } = await pkiLib();
        const { readFileSync } = await import('node:fs');
        const keyPem = await loadKeyPem(o.key, o.keyPassphraseFile);
        const chain = o.chain
          ? splitPem(readFileSync(o.chain, 'utf8'), 'CERTIFICATE').map((d) => toPem(d, 'CERTIFICATE'))
          : [];
        const p12 = exportPkcs12(
          keyPem,
          readFileSync(o.cert, 'utf8'),
          chain,
          await readPassphrase(o.passphraseFile),
        );
        await writeSecret(o.out, p12);
        process.stdout.write(`PKCS#12: ${o.out}\n`);
      },
    );
}

/** Reads a PEM private key, decrypting it when a passphrase file is given; returns PKCS#8 PEM. */
export async function loadKeyPem(file: string, passphraseFile?: string): Promise<string> {
  const { createPrivateKey } = await import('node:crypto');
  const { readFileSync } = await import('node:fs');
  const key = createPrivateKey({
    key: readFileSync(file, 'utf8'),
    ...(passphraseFile ? { passphrase: await readPassphrase(passphraseFile) } : {}),
  });
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Reads a signing key + certificate from --key/--cert or --p12 (with --passphrase-file). */
export async function loadSigningMaterial(o: {
  key?: string;
  cert?: string;
  p12?: string;
  passphraseFile?: string;
}): Promise<{ keyPem: string; certPem: string }> {
  const { readFileSync } = await import('node:fs');
  if (o.p12) {
    if (!o.passphraseFile) throw new Error('--p12 needs --passphrase-file');
    const { importPkcs12 } = await pkiLib();
    const r = importPkcs12(readFileSync(o.p12), await readPassphrase(o.passphraseFile));
    return { keyPem: r.privateKeyPem, certPem: r.certPem };
  }
  if (!o.key || !o.cert) throw new Error('give --key and --cert, or --p12 and --passphrase-file');
  return { keyPem: await loadKeyPem(o.key, o.passphraseFile), certPem: readFileSync(o.cert, 'utf8') };
}

/** `maxhub pki init-dev`: a DEVELOPMENT ONLY root and issuing CA under certs/dev. */
function pkiInitDevCommand(): Command {
  return new Command('init-dev')
    .description('create a DEVELOPMENT ONLY alliance root and issuing CA (never for production)')
    .option('--out <dir>', 'directory to write', 'certs/dev')
    .option('--force', 'replace an existing development CA')
    .action(async (o: { out: string; force?: boolean }) => {
      const { createDevAlliancePki, DEV_CA_FILES } = await pkiLib();
      const fs = await import('node:fs');
      const path = await import('node:path');
      const keyFile = path.join(o.out, DEV_CA_FILES.issuingKey);
      if (fs.existsSync(keyFile) && !o.force) {
        process.stdout.write(`A development CA already exists in ${o.out} (use --force to replace it).\n`);
        return;
      }
      fs.mkdirSync(o.out, { recursive: true, mode: 0o700 });
      const pki = createDevAlliancePki();
      const put = (name: string, data: string, mode: number) => {
        const file = path.join(o.out, name);
        fs.rmSync(file, { force: true });
        fs.writeFileSync(file, data, { mode });
      };
      put(DEV_CA_FILES.rootCert, pki.rootCertPem, 0o644);
      put(DEV_CA_FILES.rootKey, pki.rootKeyPem, 0o600);
      put(DEV_CA_FILES.issuingCert, pki.issuingCertPem, 0o644);
      put(DEV_CA_FILES.issuingKey, pki.issuingKeyPem, 0o600);
      put(DEV_CA_FILES.chain, pki.issuingCertPem + pki.rootCertPem, 0o644);
      put(
        'README.md',
        [
          '# DEVELOPMENT ONLY alliance CA',
          '',
          'Made by `npm run certs:dev` (`maxhub pki init-dev`) on this machine. Its certificates say',
          '"DEVELOPMENT ONLY" in their names. Never use these keys in production, never commit them',
          '(certs/dev/ is gitignored). A development hub without PKI_* variables uses this directory.',
          '',
          `- ${DEV_CA_FILES.rootCert} / ${DEV_CA_FILES.rootKey}: the root (trust anchor)`,
          `- ${DEV_CA_FILES.issuingCert} / ${DEV_CA_FILES.issuingKey}: the issuing CA that signs member certificates and CRLs`,
          `- ${DEV_CA_FILES.chain}: issuing CA + root, as served at GET /pki/ca`,
          '',
        ].join('\n'),
        0o644,
      );
      process.stdout.write(`DEVELOPMENT ONLY alliance CA written to ${o.out}\n`);
    });
}

/** `maxhub pki …`: member keys and CSRs, PKCS#12, the development CA. */
export function pkiCommand(): Command {
  return new Command('pki')
    .description('alliance PKI: keys, CSRs, PKCS#12, the development CA')
    .addCommand(pkiRequestCommand())
    .addCommand(pkiPackCommand())
    .addCommand(pkiInitDevCommand());
}
