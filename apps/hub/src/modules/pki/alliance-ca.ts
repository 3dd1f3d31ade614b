import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '@nestjs/common';
import type { HubConfig } from '@maxhub/config';
import { createDevAlliancePki, DEV_CA_DIR, DEV_CA_FILES, fromPem } from '@maxhub/pki';
import { HubError } from '@maxhub/core';
import { HubPkiErrorCode as E } from './pki.errors';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The alliance CA the hub runs with: trust anchor, issuing CA and its key. */
export interface AllianceCa {
  rootCertPem: string;
  issuingCertPem: string;
  issuingKeyPem: string;
  /** SHA-256 of the issuing CA certificate DER. */
  issuerFingerprint: string;
  /** Where it came from: configuration files, certs/dev, or generated in memory (tests). */
  source: 'configured' | 'certs-dev' | 'ephemeral';
}

/**
 * Loads and checks the alliance CA the hub runs with: the three configured PKI_* files; in
 * development the CA of `npm run certs:dev`; in tests without files a throwaway CA in memory.
 * A CA that is missing where one is required, or that does not hang together, is refused.
 */
export function loadAllianceCa(config: HubConfig, logger: Pick<Logger, 'warn'>): AllianceCa {
  const { rootCertFile, issuingCertFile, issuingKeyFile } = config.pki;
  const given = [rootCertFile, issuingCertFile, issuingKeyFile].filter((f) => f !== undefined).length;
  if (given === 3) return checkCa(rootCertFile!, issuingCertFile!, issuingKeyFile!, 'configured');
  if (given > 0 || config.env === 'production') {
    throw new HubError(
      'SERVICE_UNAVAILABLE',
      E.PKI_CA_NOT_CONFIGURED,
      'set PKI_ROOT_CERT_FILE, PKI_ISSUING_CERT_FILE and PKI_ISSUING_KEY_FILE (all three)',
    );
  }
  const dir = path.resolve(process.cwd(), DEV_CA_DIR);
  if (config.env === 'development') {
    if (!existsSync(path.join(dir, DEV_CA_FILES.issuingKey))) {
      throw new HubError(
        'SERVICE_UNAVAILABLE',
        E.PKI_CA_NOT_CONFIGURED,
        'no alliance CA: run `npm run certs:dev` (development) or set the PKI_* files',
      );
    }
    logger.warn('using the DEVELOPMENT ONLY alliance CA from certs/dev');
    return checkCa(
      path.join(dir, DEV_CA_FILES.rootCert),
      path.join(dir, DEV_CA_FILES.issuingCert),
      path.join(dir, DEV_CA_FILES.issuingKey),
      'certs-dev',
    );
  }
  // Tests without PKI_* files: a throwaway CA in memory, never written anywhere.
  const dev = createDevAlliancePki();
  return {
    rootCertPem: dev.rootCertPem,
    issuingCertPem: dev.issuingCertPem,
    issuingKeyPem: dev.issuingKeyPem,
    issuerFingerprint: sha256(fromPem(dev.issuingCertPem, 'CERTIFICATE')),
    source: 'ephemeral',
  };
}

function checkCa(
  rootFile: string,
  issuingFile: string,
  keyFile: string,
  source: AllianceCa['source'],
): AllianceCa {
  try {
    const rootCertPem = readFileSync(rootFile, 'utf8');
    const issuingCertPem = readFileSync(issuingFile, 'utf8');
    const issuingKeyPem = readFileSync(keyFile, 'utf8');
    const root = new X509Certificate(rootCertPem);
    const issuing = new X509Certificate(issuingCertPem);
    const ok =
      root.ca &&
      issuing.ca &&
      root.verify(root.publicKey) &&
      issuing.verify(root.publicKey) &&
      createPublicKey(issuingKeyPem)
        .export({ type: 'spki', format: 'der' })
        .equals(issuing.publicKey.export({ type: 'spki', format: 'der' }));
    if (!ok) throw new Error('the issuing CA is not signed by the root, or the key is not the issuing CA’s');
    return {
      rootCertPem,
      issuingCertPem,
      issuingKeyPem,
      issuerFingerprint: sha256(fromPem(issuingCertPem, 'CERTIFICATE')),
      source,
    };
  } catch (err) {
    throw new HubError(
      'SERVICE_UNAVAILABLE',
      E.PKI_CA_INVALID,
      'the alliance CA files cannot be used (unreadable, not PEM, or not a root + issuing CA + its key)',
      { cause: err },
    );
  }
}
