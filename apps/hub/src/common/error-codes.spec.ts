import { ContractErrorCode } from '@maxhub/contracts';
import { CoreErrorCode, DatasetsErrorCode, ViewsErrorCode } from '@maxhub/core';
import { DeidErrorCode } from '@maxhub/deidentification';
import { FORMAT_ERROR_CODES } from '@maxhub/formats';
import { PkiErrorCode } from '@maxhub/pki';
import { StorageErrorCode } from '@maxhub/storage';
import { ViewErrorCode } from '@maxhub/views';
import { InputErrorCode } from '../graphql/input.errors';
import { AllianceErrorCode } from '../modules/alliance/alliance.errors';
import { AuditErrorCode } from '../modules/audit/audit.errors';
import { GrantErrorCode } from '../modules/grants/grants.errors';
import { HubPkiErrorCode } from '../modules/pki/pki.errors';
import { QueriesErrorCode } from '../modules/queries/queries.errors';
import { AuthErrorCode } from './auth.errors';

/**
 * The reason codes callers see (`extensions.reason`): every module's enum, the ones HubError's
 * `code` type is the union of. Codes are interface: each is declared by exactly one module.
 */
const ENUMS: Record<string, readonly string[]> = {
  core: Object.values(CoreErrorCode),
  datasets: Object.values(DatasetsErrorCode),
  views: Object.values(ViewsErrorCode),
  viewStore: Object.values(ViewErrorCode),
  storage: Object.values(StorageErrorCode),
  pki: Object.values(PkiErrorCode),
  contracts: Object.values(ContractErrorCode),
  formats: FORMAT_ERROR_CODES,
  deidentification: Object.values(DeidErrorCode),
  auth: Object.values(AuthErrorCode),
  alliance: Object.values(AllianceErrorCode),
  audit: Object.values(AuditErrorCode),
  grants: Object.values(GrantErrorCode),
  hubPki: Object.values(HubPkiErrorCode),
  queries: Object.values(QueriesErrorCode),
  input: Object.values(InputErrorCode),
};

describe('reason codes', () => {
  it('are SCREAMING_SNAKE words', () => {
    const bad = Object.entries(ENUMS).flatMap(([m, codes]) =>
      codes.filter((c) => !/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(c)).map((c) => `${m}: ${c}`),
    );
    expect(bad).toEqual([]);
  });

  it('are each declared by one module only', () => {
    const owner = new Map<string, string>();
    const twice: string[] = [];
    for (const [m, codes] of Object.entries(ENUMS)) {
      for (const c of codes) {
        const first = owner.get(c);
        if (first) twice.push(`${c} (${first}, ${m})`);
        else owner.set(c, m);
      }
    }
    expect(twice).toEqual([]);
  });

  it('of contracts surface as a grants code (CONTRACT_ becomes GRANT_)', () => {
    const grants = new Set<string>(Object.values(GrantErrorCode));
    const missing = Object.values(ContractErrorCode)
      .map((c) => c.replace(/^CONTRACT_/, 'GRANT_'))
      .filter((c) => !grants.has(c));
    expect(missing).toEqual([]);
  });
});
