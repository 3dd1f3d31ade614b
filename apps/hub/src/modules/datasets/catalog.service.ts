import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CompanyEntity, DatasetEntity, DatasetVersionEntity, type DatasetColumnRecord } from '@maxhub/db';
import { DataSource, In } from 'typeorm';
import { Actor, DatasetsErrorCode as E, notFound } from '@maxhub/core';
import { AllianceService } from '../alliance/alliance.service';
import {
  ColumnClassEnum,
  ColumnClassSourceEnum,
  ColumnTypeEnum,
  Dataset,
  DatasetColumn,
  DatasetFormatEnum,
  DatasetGrant,
  DatasetVersion,
  DatasetVersionStatusEnum,
  PersonalDataKindEnum,
} from './dataset.model';

/**
 * The catalog: metadata of datasets and versions as each caller may see them (every member sees
 * PUBLISHED versions; a company's own members see all of its versions, object keys and
 * checksums), and the GraphQL shapes of datasets, versions and columns. Never a value.
 */
@Injectable()
export class DatasetCatalogService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly alliance: AllianceService,
  ) {}

  /** A version and its dataset, or null (a malformed id too). */
  async versionRow(id: string): Promise<{ version: DatasetVersionEntity; dataset: DatasetEntity } | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const version = await this.dataSource.getRepository(DatasetVersionEntity).findOne({ where: { id } });
    if (!version) return null;
    const dataset = await this.dataSource
      .getRepository(DatasetEntity)
      .findOneByOrFail({ id: version.datasetId });
    return { version, dataset };
  }

  /**
   * The catalog: every dataset with a PUBLISHED version (metadata only), plus all of the
   * caller's own companies' datasets in every state. Three queries whatever the size.
   */
  async datasets(actor: Actor, filter: { companySlug?: string; tag?: string } = {}): Promise<Dataset[]> {
    const own = [...actor.companies.keys()];
    const qb = this.dataSource
      .getRepository(DatasetEntity)
      .createQueryBuilder('d')
      .where(
        own.length
          ? `(d.company_id IN (:...own) OR EXISTS (SELECT 1 FROM dataset_versions v WHERE v.dataset_id = d.id AND v.status = 'PUBLISHED'))`
          : `EXISTS (SELECT 1 FROM dataset_versions v WHERE v.dataset_id = d.id AND v.status = 'PUBLISHED')`,
        { own },
      )
      .orderBy('d.name', 'ASC');
    if (filter.companySlug) {
      qb.andWhere('d.company_id IN (SELECT id FROM companies WHERE slug = :slug)', {
        slug: filter.companySlug,
      });
    }
    if (filter.tag) qb.andWhere(':tag = ANY(d.tags)', { tag: filter.tag });
    const rows = await qb.getMany();
    return this.assemble(actor, rows);
  }

  /** One dataset, when the caller may see it. */
  async dataset(actor: Actor, id: string): Promise<Dataset> {
    const row = /^[0-9a-f-]{36}$/i.test(id)
      ? await this.dataSource.getRepository(DatasetEntity).findOneBy({ id })
      : null;
    const [out] = row ? await this.assemble(actor, [row]) : [];
    if (!out || (!out.owned && out.versions.length === 0))
      throw notFound(E.DATASET_NOT_FOUND, 'no such dataset');
    return out;
  }

  /** One version: owners see every state, others PUBLISHED versions only. */
  async datasetVersion(actor: Actor, id: string): Promise<DatasetVersion> {
    const found = await this.versionRow(id);
    const owned = !!found && actor.companies.has(found.dataset.companyId);
    if (!found || (!owned && found.version.status !== 'PUBLISHED')) {
      throw notFound(E.DATASET_VERSION_NOT_FOUND, 'no such dataset version');
    }
    return this.toVersion(found.version, owned);
  }

  private async assemble(actor: Actor, rows: DatasetEntity[]): Promise<Dataset[]> {
    if (!rows.length) return [];
    const [companies, versions] = await Promise.all([
      this.dataSource
        .getRepository(CompanyEntity)
        .findBy({ id: In([...new Set(rows.map((r) => r.companyId))]) }),
      this.dataSource
        .getRepository(DatasetVersionEntity)
        .find({ where: { datasetId: In(rows.map((r) => r.id)) }, order: { version: 'DESC' } }),
    ]);
    const byCompany = new Map(companies.map((c) => [c.id, c]));
    const byDataset = new Map<string, DatasetVersionEntity[]>();
    for (const v of versions) byDataset.set(v.datasetId, [...(byDataset.get(v.datasetId) ?? []), v]);
    const grants = await this.grantsOf(rows.filter((r) => actor.companies.has(r.companyId)));
    return rows.map((r) => ({
      ...this.toDataset(r, byCompany.get(r.companyId)!, actor, byDataset.get(r.id) ?? []),
      grants: grants.get(r.id) ?? [],
    }));
  }

  /**
   * Who granted what, for the owner: every grant version of the owning companies that names one
   * of these datasets (read from the signed documents themselves), newest first.
   */
  private async grantsOf(owned: DatasetEntity[]): Promise<Map<string, DatasetGrant[]>> {
    const out = new Map<string, DatasetGrant[]>();
    if (!owned.length) return out;
    const wanted = new Set(owned.map((r) => r.id));
    const rows: Array<{
      grant_id: string;
      version: number;
      state: string;
      slug: string;
      term_until: Date;
      document: Buffer;
    }> = await this.dataSource.query(
      `SELECT v.grant_id, v.version, v.state, w.slug, v.term_until, v.document
           FROM grant_versions v
           JOIN grants g ON g.id = v.grant_id
           JOIN working_groups w ON w.id = g.grantee_working_group_id
          WHERE g.grantor_company_id = ANY($1)
          ORDER BY v.created_at DESC`,
      [[...new Set(owned.map((r) => r.companyId))]],
    );
    for (const row of rows) {
      const doc = JSON.parse(row.document.toString('utf8')) as {
        datasets?: Array<{ datasetId: string; version: number }>;
      };
      for (const d of doc.datasets ?? []) {
        if (!wanted.has(d.datasetId)) continue;
        out.set(d.datasetId, [
          ...(out.get(d.datasetId) ?? []),
          {
            grantId: row.grant_id,
            grantVersion: row.version,
            state: row.state,
            workingGroupSlug: row.slug,
            datasetVersion: d.version,
            termUntil: row.term_until,
          },
        ]);
      }
    }
    return out;
  }

  /** The GraphQL view of a dataset with the versions the caller may see (grants filled in by the catalog). */
  toDataset(
    row: DatasetEntity,
    company: CompanyEntity,
    actor: Actor,
    versions: DatasetVersionEntity[],
  ): Dataset {
    const owned = actor.companies.has(row.companyId);
    const visible = owned ? versions : versions.filter((v) => v.status === 'PUBLISHED');
    const latest = versions.find((v) => v.status === 'PUBLISHED');
    return {
      id: row.id,
      company: this.alliance.toCompany(company, actor),
      name: row.name,
      description: row.description,
      tags: row.tags,
      owned,
      latestPublished: latest ? this.toVersion(latest, owned) : null,
      versions: visible.map((v) => this.toVersion(v, owned)),
      grants: [],
      createdAt: row.createdAt,
    };
  }

  /**
   * The GraphQL view of a column. Versions published before personal-data detection have no
   * classSource: their class was the publisher's, or the default when `defaulted`.
   */
  toColumn(c: DatasetColumnRecord): DatasetColumn {
    const found = c.personalData ?? null;
    return {
      name: c.name,
      type: c.type as ColumnTypeEnum,
      class: c.class as ColumnClassEnum,
      nullable: c.nullable,
      defaulted: !!c.defaulted,
      classSource: (c.classSource ?? (c.defaulted ? 'DEFAULT' : 'DECLARED')) as ColumnClassSourceEnum,
      personalData: found
        ? {
            kind: found.kind as PersonalDataKindEnum,
            share: found.share,
            threshold: found.threshold,
            sampledValues: found.sampledValues,
          }
        : null,
      classOverridden: !!c.classOverridden,
    };
  }

  /** The GraphQL view of a version; object key and checksum only in the owner's view. */
  toVersion(v: DatasetVersionEntity, owned: boolean): DatasetVersion {
    return {
      id: v.id,
      datasetId: v.datasetId,
      version: v.version,
      status: v.status as DatasetVersionStatusEnum,
      format: v.format as DatasetFormatEnum,
      encoding: v.encoding,
      rowCount: v.rowCount === null ? null : Number(v.rowCount),
      sizeBytes: v.sizeBytes === null ? null : Number(v.sizeBytes),
      columns: v.columns.map((c) => this.toColumn(c)),
      rejection: v.rejection
        ? {
            code: v.rejection.code,
            message: v.rejection.message,
            line: v.rejection.line ?? null,
            row: v.rejection.row ?? null,
            column: v.rejection.column ?? null,
          }
        : null,
      objectKey: owned ? v.objectKey : null,
      sha256: owned ? v.sha256 : null,
      createdAt: v.createdAt,
      publishedAt: v.publishedAt,
      withdrawnAt: v.withdrawnAt,
      objectDeletedAt: v.objectDeletedAt,
    };
  }
}
