import { SetMetadata } from '@nestjs/common';

/** Coarse gate checked by the global guard; finer, resource-level rules live in AccessService. */
export enum Permission {
  /**
   * Anyone with a valid token, member or not: only for the caller's own person and tokens
   * (`me`, `apiTokens`, `createApiToken`, `revokeApiToken`).
   */
  AUTHENTICATED = 'AUTHENTICATED',
  /**
   * A member of the alliance: holds a role in at least one company or working group, or is the
   * operator (resource checks follow in the service). A person whose last membership ended is
   * refused here even before their tokens are revoked.
   */
  MEMBER = 'MEMBER',
  /** The alliance operator. */
  ADMIN = 'ADMIN',
}

export const PERMISSION_KEY = 'maxhub:permission';
export const PUBLIC_KEY = 'maxhub:public';

/** Declares the permission an operation needs. Every root Query/Mutation must have this or @Public(). */
export const RequirePermission = (permission: Permission) => SetMetadata(PERMISSION_KEY, permission);

/** Declares an operation open without a token (health checks, the CRL). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
