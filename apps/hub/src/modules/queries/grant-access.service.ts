import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { GrantDataset, GrantDocument } from '@maxhub/contracts';
import { GrantEntity } from '@maxhub/db';
import { DataSource } from 'typeorm';
import { notFound } from '../../common/hub-error';
import { GrantsService } from '../grants/grants.service';
import { QueriesErrorCode as E } from './queries.errors';

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
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The one place queries ask "is this grant open for this dataset now?". The parties come from
 * the grant row; whether it is open from the grants module (GrantsService.assertOpen).
 */
@Injectable()
export class GrantAccessService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly grantsService: GrantsService,
  ) {}

  /** The grant row (parties), or NOT_FOUND. */
  async parties(grantId: string): Promise<GrantEntity> {
    if (!UUID.test(grantId))
      throw notFound(E.SLICE_GRANT_NOT_FOUND, 'no such grant among your working groups');
    const g = await this.dataSource.getRepository(GrantEntity).findOne({ where: { id: grantId } });
    if (!g) throw notFound(E.SLICE_GRANT_NOT_FOUND, 'no such grant among your working groups');
    return g;
  }

  /**
   * Asserts the grant is open for the dataset at `at` — ACTIVE, within term, stored bytes intact,
   * both signatures verifying now (GrantsService.assertOpen, fail closed) — or throws its GRANT_* reason.
   */
  async assertOpen(grant: GrantEntity, datasetId: string, at: Date): Promise<OpenGrant> {
    const { version: gv, document, dataset } = await this.grantsService.assertOpen(grant.id, datasetId, at);
    return {
      grantId: grant.id,
      grantVersionId: gv.id,
      version: gv.version,
      document,
      dataset,
      companyId: grant.grantorCompanyId,
      workingGroupId: grant.granteeWorkingGroupId,
    };
  }
}
