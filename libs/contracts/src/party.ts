/** Which party of a grant a verified signer speaks for. */
import type { GrantDocument, GrantParty } from './grant';

/** The parts of a verified signer identity (as `@maxhub/pki` reports it) that decide the party. */
export interface SignerOrgIdentity {
  orgKind: string;
  orgSlug: string;
  role: string;
}

/**
 * 'GRANTOR' when the certificate names the grantor company (orgKind company) with role LEGAL,
 * 'GRANTEE' when it names the grantee working group (orgKind working-group) with role LEGAL,
 * otherwise null. Identity must come from a verified certificate, never from the document.
 */
export function signerMatchesParty(
  signer: SignerOrgIdentity,
  doc: Pick<GrantDocument, 'grantor' | 'grantee'>,
): GrantParty | null {
  if (signer.role !== 'LEGAL') return null;
  if (signer.orgKind === 'company' && signer.orgSlug === doc.grantor.companySlug) return 'GRANTOR';
  if (signer.orgKind === 'working-group' && signer.orgSlug === doc.grantee.workingGroupSlug) return 'GRANTEE';
  return null;
}
