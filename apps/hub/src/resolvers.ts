import { AllianceResolver } from './modules/alliance/alliance.resolver';
import { AuditResolver } from './modules/audit/audit.resolver';
import { TokensResolver } from './modules/auth/tokens.resolver';

/** Every resolver class of the API: the schema is generated from these. */
export const RESOLVERS = [AllianceResolver, AuditResolver, TokensResolver];
