import { Injectable } from '@nestjs/common';
import type { GrantDataset, GrantDocument } from '@maxhub/contracts';
import type { GrantEntity } from '@maxhub/db';
import { GrantsService, type AssertOpenOptions } from '../grants/grants.service';

/** An open grant, as the queries module needs it. */
export interface OpenGrant {
  grantId: string;
  grantVersionId: string;
  version: number;
  document: GrantDocument;
  dataset: GrantDataset;
  /** The owner (grantor) company. */
  companyId: string;
  /** The grantee working group. */
  workingGroupId: string;
  /** What `alongside` read (null when it found nothing; undefined when none was asked). */
  alongside?: unknown;
}

/** The grant's parties, handed to the caller's membership check before any state is judged. */
export type GrantParties = Pick<GrantEntity, 'id' | 'grantorCompanyId' | 'granteeWorkingGroupId'>;

/**
 * The one place queries ask "is this grant open for this dataset now?" — GrantsService.assertOpen,
 * fail closed, with the caller's check of who asks run first (so someone outside the grant learns
 * nothing about its state).
 */
@Injectable()
export class GrantAccessService {
  constructor(private readonly grantsService: GrantsService) {}

  /**
   * Asserts the grant is open for the dataset at `at` — ACTIVE, within term, stored bytes intact,
   * both signatures verifying now — after `authorize` accepted its parties; or throws the reason
   * (authorize's own, GRANT_NOT_FOUND, or a GRANT_* refusal). `alongside` is read in the same
   * query (GrantsService.assertOpen).
   */
  async assertOpen(
    grantId: string,
    datasetId: string,
    at: Date,
    authorize: (parties: GrantParties) => void,
    alongside?: AssertOpenOptions['alongside'],
  ): Promise<OpenGrant> {
    const open = await this.grantsService.assertOpen(grantId, datasetId, at, {
      authorizeParties: authorize,
      alongside,
    });
    return {
      grantId,
      grantVersionId: open.version.id,
      version: open.version.version,
      document: open.document,
      dataset: open.dataset,
      companyId: open.grant.grantorCompanyId,
      workingGroupId: open.grant.granteeWorkingGroupId,
      alongside: open.alongside,
    };
  }
}
