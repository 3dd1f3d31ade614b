import { AllianceResolver } from './modules/alliance/alliance.resolver';
import { AuditResolver } from './modules/audit/audit.resolver';
import { TokensResolver } from './modules/auth/tokens.resolver';
import { DatasetsResolver } from './modules/datasets/datasets.resolver';
import { GrantsResolver } from './modules/grants/grants.resolver';
import { PkiResolver } from './modules/pki/pki.resolver';
import { QueriesResolver } from './modules/queries/queries.resolver';

/** Every resolver class of the API: the schema is generated from these. */
export const RESOLVERS = [
  AllianceResolver,
  AuditResolver,
  TokensResolver,
  DatasetsResolver,
  PkiResolver,
  GrantsResolver,
  QueriesResolver,
];
