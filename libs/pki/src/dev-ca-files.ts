/**
 * File names of the development CA made by `npm run certs:dev` under certs/dev (shared by the
 * hub, which loads it, and `maxhub pki init-dev`, which writes it).
 */
export const DEV_CA_FILES = {
  rootCert: 'root-ca.crt',
  rootKey: 'root-ca.key',
  issuingCert: 'issuing-ca.crt',
  issuingKey: 'issuing-ca.key',
  chain: 'chain.pem',
} as const;

/** Where the development CA lives, relative to the working directory. */
export const DEV_CA_DIR = 'certs/dev';
