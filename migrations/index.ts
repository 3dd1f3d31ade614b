import { Foundation1764000000000 } from './1764000000000-foundation';
import { Datasets1764100000000 } from './1764100000000-datasets';
import { Publishing1764150000000 } from './1764150000000-publishing';
import { PkiGrants1764200000000 } from './1764200000000-pki-grants';
import { ViewsQueries1764300000000 } from './1764300000000-views-queries';
import { AuditedAccesses1764400000000 } from './1764400000000-audited-accesses';
import { RejectedUploadDeletion1764500000000 } from './1764500000000-rejected-upload-deletion';
import { ExportUsage1764700000000 } from './1764700000000-export-usage';
import { GrantRiskReview1764800000000 } from './1764800000000-grant-risk-review';

/** Every migration, in order. Never edit a merged one: add a new file. */
export const MIGRATIONS = [
  Foundation1764000000000,
  Datasets1764100000000,
  Publishing1764150000000,
  PkiGrants1764200000000,
  ViewsQueries1764300000000,
  AuditedAccesses1764400000000,
  RejectedUploadDeletion1764500000000,
  ExportUsage1764700000000,
  GrantRiskReview1764800000000,
];
