import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { HubConfig } from '@maxhub/config';
import {
  CertificateEntity,
  CompanyEntity,
  DatasetEntity,
  DatasetVersionEntity,
  GrantEntity,
  GrantSignatureEntity,
  GrantVersionEntity,
  UserEntity,
  WorkingGroupEntity,
} from '@maxhub/db';
import { createKeyAndCsr, describeCertificate, signDetached } from '@maxhub/pki';
import { DataSource, IsNull } from 'typeorm';
import { Actor, CoreModule } from '@maxhub/core';
import { GrantSigningService } from '../../modules/grants/grant-signing.service';
import { GrantsModule } from '../../modules/grants/grants.module';
import { GrantsService } from '../../modules/grants/grants.service';
import { OrgKindEnum, SignerRoleEnum } from '../../modules/pki/pki.models';
import { PkiService } from '../../modules/pki/pki.service';
import { DEMO } from './demo-alliance';

/** The demo grant: hanbit-motors opens its weld-line dataset to the AI factory working group. */
export const DEMO_GRANT = {
  company: 'hanbit-motors',
  group: 'ai-factory',
  datasetName: 'Weld line 3 sensor log',
  grantorLegal: 'legal@hanbit-motors.demo',
  granteeLegal: 'legal@ai-factory.demo',
  purpose: 'Train and validate a spot-weld defect prediction model for the AI factory working group.',
} as const;

/** Where the demo keeps its legal signers' keys and the signed demo grant (gitignored .run/). */
const RUN_DIR = '.run';

/** What the demo grant step did, for the seed command to print. */
export interface DemoGrantOutcome {
  status: 'ACTIVE' | 'SKIPPED';
  grantId?: string;
  /** A sentence for people (why it was skipped, or where the files are). */
  note: string;
}

const TRANSFORMS: Record<string, Record<string, unknown>> = {
  timestamp: { kind: 'generalize', generalization: { method: 'time', level: 'hour' } },
  operator_id: { kind: 'pseudonymize', bits: 128 },
  machine_serial: { kind: 'drop' },
  // The plant's name restates the plant code, which k-anonymity counts: not released.
  plant_name: { kind: 'drop' },
  weld_current_a: { kind: 'noise', magnitude: 0.02, relative: true, digits: 2 },
  voltage_v: { kind: 'noise', magnitude: 0.02, relative: true, digits: 2 },
  wire_feed_m_min: { kind: 'noise', magnitude: 0.02, relative: true, digits: 2 },
};

/**
 * Ends the demo with an ACTIVE, signed grant: the two demo legal signers' keys are generated on
 * this machine (under .run/demo-legal, reused on later runs), their certificates issued by the
 * development CA, the grant drafted over the PUBLISHED weld-line version, signed offline by both
 * and attached. Idempotent: a live demo grant is kept. Tolerates a missing demo dataset.
 */
export async function seedDemoGrant(config: HubConfig): Promise<DemoGrantOutcome> {
  @Module({ imports: [CoreModule.register(config), GrantsModule] })
  class DemoGrantModule {}
  const app = await NestFactory.createApplicationContext(DemoGrantModule, {
    logger: false,
    abortOnError: false,
  });
  try {
    const ds = app.get(DataSource);
    const pki = app.get(PkiService);
    const grants = app.get(GrantsService);
    const signing = app.get(GrantSigningService);
    const company = await ds.getRepository(CompanyEntity).findOneByOrFail({ slug: DEMO_GRANT.company });
    const group = await ds.getRepository(WorkingGroupEntity).findOneByOrFail({ slug: DEMO_GRANT.group });
    const dataset = await ds
      .getRepository(DatasetEntity)
      .findOneBy({ companyId: company.id, name: DEMO_GRANT.datasetName });
    const version = dataset
      ? await ds.getRepository(DatasetVersionEntity).findOne({
          where: { datasetId: dataset.id, status: 'PUBLISHED' },
          order: { version: 'DESC' },
        })
      : null;
    if (!dataset || !version) {
      return {
        status: 'SKIPPED',
        note: `no PUBLISHED "${DEMO_GRANT.datasetName}" dataset of ${DEMO_GRANT.company} yet: the demo grant was not created`,
      };
    }
    const operator = await ds.getRepository(UserEntity).findOneByOrFail({ email: DEMO.operator.email });
    const opActor = actorOf(operator, true);

    const existing = await ds
      .getRepository(GrantVersionEntity)
      .createQueryBuilder('v')
      .innerJoin(GrantEntity, 'g', 'g.id = v.grant_id')
      .where('g.grantor_company_id = :c AND g.grantee_working_group_id = :w', { c: company.id, w: group.id })
      .andWhere(`v.state IN ('ACTIVE', 'SUSPENDED')`)
      .getOne();
    const grantor = await signer(ds, pki, opActor, DEMO_GRANT.grantorLegal, { companySlug: company.slug });
    const grantee = await signer(ds, pki, opActor, DEMO_GRANT.granteeLegal, { workingGroupSlug: group.slug });

    let live = existing;
    if (!live) {
      const legalUser = await ds
        .getRepository(UserEntity)
        .findOneByOrFail({ email: DEMO_GRANT.grantorLegal });
      const legal = actorOf(legalUser, false);
      legal.companies.set(company.id, new Set(['LEGAL']));
      const now = Date.now();
      const draft = await grants.draft(legal, {
        grantorCompanySlug: company.slug,
        granteeWorkingGroupSlug: group.slug,
        purpose: DEMO_GRANT.purpose,
        termFrom: new Date(Math.floor(now / 86_400_000) * 86_400_000),
        termUntil: new Date(Math.floor(now / 86_400_000) * 86_400_000 + 365 * 86_400_000),
        datasets: [
          {
            datasetId: dataset.id,
            version: version.version,
            columns: version.columns.map((c) => ({
              name: c.name,
              transform:
                TRANSFORMS[c.name] ?? (c.class === 'DIRECT_IDENTIFIER' ? { kind: 'drop' } : { kind: 'keep' }),
            })),
            kAnonymity: {
              k: 5,
              quasiIdentifiers: version.columns
                .filter((c) => ['plant', 'line', 'shift'].includes(c.name))
                .map((c) => c.name),
              suppressionLimit: 0.05,
            },
            quasiIdentifierExclusions: version.columns
              .filter((c) => c.name === 'timestamp')
              .map((c) => ({
                column: c.name,
                reason:
                  'Generalized to the hour; the defect model needs the time series, and no operator is identifiable (operator ids are pseudonymized).',
              })),
          },
        ],
        limits: { rowsPerQuery: 10_000, queriesPerDay: 1_000 },
      });
      const bytes = Buffer.from(draft.canonicalDocument, 'utf8');
      for (const s of [grantor, grantee]) {
        const sig = signDetached(bytes, s.keyPem, s.certPem);
        await signing.attachSignature(opActor, draft.grantId, draft.version, sig.toString('base64'));
      }
      live = await ds.getRepository(GrantVersionEntity).findOneByOrFail({ id: draft.id });
    } else if (live.state === 'SUSPENDED') {
      // A demo signer's certificate was revoked or expired: sign again with the current one.
      const current = await ds
        .getRepository(GrantSignatureEntity)
        .find({ where: { grantVersionId: live.id, replacedAt: IsNull() }, relations: { certificate: true } });
      for (const s of [grantor, grantee]) {
        const party = s.orgKind === 'company' ? 'GRANTOR' : 'GRANTEE';
        const sig = current.find((x) => x.party === party);
        if (sig?.certificate && sig.certificate.revokedAt === null && sig.certificate.notAfter > new Date())
          continue;
        await signing.attachSignature(
          opActor,
          live.grantId,
          live.version,
          signDetached(live.document, s.keyPem, s.certPem).toString('base64'),
        );
      }
      live = await ds.getRepository(GrantVersionEntity).findOneByOrFail({ id: live.id });
    }

    // Everything a visitor needs to verify the demo grant offline with `maxhub contract verify`.
    const dir = path.join(RUN_DIR, 'demo-grant');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'grant.json'), live.document);
    const sigs = await ds
      .getRepository(GrantSignatureEntity)
      .find({ where: { grantVersionId: live.id, replacedAt: IsNull() } });
    for (const s of sigs) writeFileSync(path.join(dir, `${s.party.toLowerCase()}.p7s`), s.cmsDer);
    writeFileSync(path.join(dir, 'ca.crt'), await pki.chainPem());
    writeFileSync(path.join(dir, 'crl.pem'), (await pki.currentCrl()).crlPem);
    return {
      status: 'ACTIVE',
      grantId: live.grantId,
      note:
        `demo grant ${live.grantId} (version ${live.version}) is ${live.state}; verify it offline: ` +
        `maxhub contract verify ${dir}/grant.json ${dir}/grantor.p7s ${dir}/grantee.p7s --ca ${dir}/ca.crt --crl ${dir}/crl.pem`,
    };
  } finally {
    await app.close();
  }
}

function actorOf(user: UserEntity, isAdmin: boolean): Actor {
  return {
    userId: user.id,
    email: user.email,
    displayName: user.displayName,
    isAdmin,
    tokenId: 'demo-seed',
    companies: new Map(),
    workingGroups: new Map(),
  };
}

/**
 * The demo legal signer's key (generated here once, kept in .run/demo-legal) and a current
 * certificate for it from the hub's CA (issued again when missing, revoked, expiring or from
 * another CA).
 */
async function signer(
  ds: DataSource,
  pki: PkiService,
  operator: Actor,
  email: string,
  org: { companySlug: string } | { workingGroupSlug: string },
): Promise<{ keyPem: string; certPem: string; orgKind: 'company' | 'working-group' }> {
  const dir = path.join(RUN_DIR, 'demo-legal');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const base = path.join(dir, email.replace(/[^a-z0-9.-]/gi, '_'));
  const orgKind = 'companySlug' in org ? 'company' : 'working-group';
  if (existsSync(`${base}.key`) && existsSync(`${base}.crt`)) {
    const certPem = readFileSync(`${base}.crt`, 'utf8');
    const d = describeCertificate(certPem);
    const row = await ds
      .getRepository(CertificateEntity)
      .findOneBy({ fingerprintSha256: d.fingerprintSha256 });
    const ca = await pki.ca();
    if (
      row &&
      row.revokedAt === null &&
      row.issuerFingerprint === ca.issuerFingerprint &&
      row.notAfter.getTime() > Date.now() + 86_400_000
    ) {
      return { keyPem: readFileSync(`${base}.key`, 'utf8'), certPem, orgKind };
    }
  }
  const user = await ds.getRepository(UserEntity).findOneByOrFail({ email });
  const { privateKeyPem, csrPem } = createKeyAndCsr({
    name: user.displayName,
    org: 'companySlug' in org ? org.companySlug : org.workingGroupSlug,
    orgKind,
    role: 'LEGAL',
    email,
  });
  const cert = await pki.issue(operator, {
    csrPem,
    userEmail: email,
    orgKind: orgKind === 'company' ? OrgKindEnum.COMPANY : OrgKindEnum.WORKING_GROUP,
    ...org,
    role: SignerRoleEnum.LEGAL,
    validityDays: 365,
  });
  writeFileSync(`${base}.key`, privateKeyPem, { mode: 0o600 });
  writeFileSync(`${base}.crt`, cert.certificatePem);
  return { keyPem: privateKeyPem, certPem: cert.certificatePem, orgKind };
}
