import type { CompanyRole, WorkingGroupRole } from '@maxhub/db';

/** The authenticated caller, resolved once per request from the bearer token. */
export interface Actor {
  userId: string;
  email: string;
  displayName: string;
  isAdmin: boolean;
  tokenId: string;
  /** companyId → roles held there. */
  companies: Map<string, Set<CompanyRole>>;
  /** workingGroupId → roles held there. */
  workingGroups: Map<string, Set<WorkingGroupRole>>;
}
