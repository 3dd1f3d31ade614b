/**
 * The words of a rendered grant, in English and Korean. Both renderings are made from the same
 * parsed canonical document by the same renderer (render.ts); only these phrases differ, so the
 * two texts say the same terms line for line. Values (names, slugs, numbers, hashes) are passed
 * in already made safe to print.
 */
import type { ColumnClass } from '@maxhub/formats';

/** The languages a grant is rendered in. */
export const DOCUMENT_LANGUAGES = ['en', 'ko'] as const;
export type DocumentLanguage = (typeof DOCUMENT_LANGUAGES)[number];

export interface Words {
  title: string;
  documentType: (schema: string) => string;
  grant: (id: string, version: number) => string;
  supersedes: (sha: string) => string;
  drafted: (at: string) => string;
  parties: string;
  grantor: (name: string, slug: string) => string;
  grantee: (name: string, slug: string) => string;
  purpose: string;
  term: string;
  termLine: (from: string, until: string) => string;
  datasets: string;
  dataset: (n: number, name: string, id: string, version: number) => string;
  objectSha: (sha: string) => string;
  columnsHeading: string;
  columnLine: (name: string, cls: string | null, treatment: string) => string;
  personalDataOverride: (kind: string, cls: string) => string;
  otherColumnsWithheld: string;
  onlyRowsWhere: string;
  allRows: string;
  kAnonymity: (qis: string, k: number) => string;
  datasetQis: string;
  suppression: (percent: string) => string;
  kLevel: (qi: string, what: string, level: number) => string;
  notGeneralized: string;
  suppressedEntirely: string;
  kLevelsChosen: (qis: string) => string;
  kLevelsPending: (qis: string) => string;
  metrics: Record<'DM_STAR' | 'DM', string>;
  riskReview: (metric: string, rows: number, suppressed: number) => string;
  riskClasses: (classes: number, smallest: number) => string;
  riskProsecutor: (highest: string, average: string) => string;
  riskUniques: (before: number, after: number) => string;
  riskLoss: (loss: string) => string;
  riskReport: (schema: string, sha: string) => string;
  exclusion: (column: string, reason: string) => string;
  limits: string;
  limitsLine: (rows: number, queries: number) => string;
  exportsAllowed: (maxRows: number, perDay: number) => string;
  exportsForbidden: string;
  exportsV1: (rows: number) => string;
  retention: string;
  retentionLine: (hours: number) => string;
  release: string;
  rowOrder: string;
  integrity: string;
  integrityHash: (sha: string) => string;
  integrityCover: string;
  classes: Record<ColumnClass, string>;
  transform: {
    drop: string;
    keep: string;
    pseudonymize: (bits: number) => string;
    shiftDate: (days: number, entity: string) => string;
    timeKept: string;
    timeTruncated: (to: 'hour' | 'day') => string;
    timeJittered: (minutes: number) => string;
    noiseRelative: (percent: string) => string;
    noiseAbsolute: (magnitude: number) => string;
    noiseDigits: (digits: number) => string;
    noise: (size: string, digits: string) => string;
  };
  generalize: {
    time: (level: string) => string;
    interval: (width: number, bottom: string, top: string) => string;
    intervalBottom: (v: number) => string;
    intervalTop: (v: number) => string;
    roundDigits: (digits: number) => string;
    roundTo: (unit: number) => string;
    prefix: (keep: number) => string;
    map: (entries: string, otherwise: string) => string;
  };
  timeLevels: Record<string, string>;
}

const EN: Words = {
  title: 'M.AX DATA HUB — DATA ACCESS GRANT',
  documentType: (s) => `Document type: ${s}`,
  grant: (id, v) => `Grant: ${id}, version ${v}`,
  supersedes: (sha) => `Supersedes the version whose canonical SHA-256 is ${sha}`,
  drafted: (at) => `Drafted: ${at}`,
  parties: 'PARTIES',
  grantor: (name, slug) => `  Grantor (data owner): ${name} [company: ${slug}]`,
  grantee: (name, slug) => `  Grantee (recipient):  ${name} [working group: ${slug}]`,
  purpose: 'PURPOSE',
  term: 'TERM',
  termLine: (from, until) =>
    `  From ${from} until ${until} (UTC). Access ends at the end of the term or on a signed termination.`,
  datasets: 'DATASETS',
  dataset: (n, name, id, v) => `  ${n}. ${name} — dataset ${id}, version ${v} (pinned)`,
  objectSha: (sha) => `     Object SHA-256: ${sha}`,
  columnsHeading: '     Columns released and their treatment:',
  columnLine: (name, cls, t) => `       - ${name}${cls === null ? '' : ` [${cls}]`} — ${t}`,
  personalDataOverride: (kind, cls) =>
    `         NOTE: the hub detected personal data (${kind}) in this column; the publisher classed it ${cls}.`,
  otherColumnsWithheld: '     All other columns of this dataset are withheld.',
  onlyRowsWhere: '     Only rows where all of the following hold:',
  allRows: '     Rows: all rows of the pinned version.',
  kAnonymity: (qis, k) =>
    `     k-anonymity: every released combination of ${qis} is shared by at least ${k} rows;`,
  datasetQis: "the dataset's quasi-identifier columns",
  suppression: (p) => `       rows in smaller groups are suppressed (at most ${p} of rows).`,
  kLevel: (qi, what, level) => `       ${qi}: ${what} for k-anonymity (level ${level})`,
  notGeneralized: 'not generalized',
  suppressedEntirely: 'withheld in every row (*)',
  kLevelsChosen: (qis) =>
    `       The levels of ${qis} were chosen by the hub's risk review of the pinned version's values.`,
  kLevelsPending: (qis) =>
    `       The levels of ${qis} are not chosen yet: the hub's risk review has not run, and this version cannot be signed until it has.`,
  metrics: {
    DM_STAR: 'DM* (sum of squared class sizes)',
    DM: 'discernibility with the |D| penalty per suppressed row',
  },
  riskReview: (metric, rows, suppressed) =>
    `     Risk review (information loss measured by ${metric}): of ${rows} rows, ${suppressed} are suppressed;`,
  riskClasses: (classes, smallest) =>
    `       ${classes} classes are released, the smallest of ${smallest} rows;`,
  riskProsecutor: (highest, average) =>
    `       prosecutor re-identification risk: highest ${highest}, average ${average};`,
  riskUniques: (before, after) =>
    `       rows unique in their class: ${before} in the raw data, ${after} released;`,
  riskLoss: (loss) => `       information loss (normalized, 0 to 1): ${loss}.`,
  riskReport: (schema, sha) => `       Full review report (${schema}) SHA-256: ${sha}`,
  exclusion: (c, r) => `     Quasi-identifier ${c} is released outside k-anonymity. Reason: ${r}`,
  limits: 'LIMITS',
  limitsLine: (rows, q) => `  At most ${rows} rows per query and ${q} queries per day.`,
  exportsAllowed: (max, perDay) =>
    `  Whole-view exports are allowed: at most ${max} rows per export and ${perDay} exports per day (UTC).`,
  exportsForbidden: '  Whole-view exports are not allowed; data is read only through paged queries.',
  exportsV1: (rows) => `  An export counts as a query: at most ${rows} rows per export.`,
  retention: 'RETENTION',
  retentionLine: (h) =>
    `  When the grant ends, the hub deletes its de-identified views within ${h} hours. Files the grantee exported are no longer under the hub's control.`,
  release: 'RELEASE',
  rowOrder:
    '  Rows are released in an order shuffled with a key of this grant: row positions do not match those of any other grant.',
  integrity: 'INTEGRITY',
  integrityHash: (sha) => `  SHA-256 of the canonical (RFC 8785) document: ${sha}`,
  integrityCover: '  The signatures of both parties cover exactly these canonical bytes.',
  classes: {
    DIRECT_IDENTIFIER: 'direct identifier',
    QUASI_IDENTIFIER: 'quasi-identifier',
    SENSITIVE: 'sensitive',
    TRADE_SECRET: 'trade secret',
    OTHER: 'other',
  },
  transform: {
    drop: 'withheld (dropped)',
    keep: 'released unchanged',
    pseudonymize: (bits) => `replaced by a keyed pseudonym (${bits} bits), unlinkable across grants`,
    shiftDate: (days, entity) =>
      `shifted by a secret offset of up to ±${days} days, the same for all rows of one "${entity}"`,
    timeKept:
      '; the time of day is kept exactly (it is the same in every grant and can match rows across grants)',
    timeTruncated: (to) =>
      to === 'hour'
        ? '; the time of day is cut to the hour (minutes and seconds are not released)'
        : '; the time of day is not released (cut to the start of the day)',
    timeJittered: (m) =>
      `; the time of day is moved by a secret random offset of up to ±${m} minutes for each row`,
    noiseRelative: (p) => `±${p} of the value`,
    noiseAbsolute: (m) => `±${m}`,
    noiseDigits: (d) => `, then rounded to ${d} decimal digits`,
    noise: (size, digits) => `perturbed by random noise of up to ${size}${digits}`,
  },
  generalize: {
    time: (level) => `generalized to the ${level}`,
    interval: (w, bottom, top) => `generalized to intervals of width ${w}${bottom}${top}`,
    intervalBottom: (v) => `; values below ${v} shown as "<${v}"`,
    intervalTop: (v) => `; values of ${v} or more shown as "≥${v}"`,
    roundDigits: (d) => `rounded to ${d} decimal digits`,
    roundTo: (u) => `rounded to the nearest ${u}`,
    prefix: (keep) => `only the first ${keep} characters released, the rest masked with "*"`,
    map: (entries, otherwise) =>
      `replaced through the value table {${entries}}; any other value becomes ${otherwise}`,
  },
  timeLevels: {},
};

const KO: Words = {
  title: 'M.AX 데이터 허브 — 데이터 접근 허가서',
  documentType: (s) => `문서 형식: ${s}`,
  grant: (id, v) => `허가: ${id}, 버전 ${v}`,
  supersedes: (sha) => `대체하는 버전의 정규 SHA-256: ${sha}`,
  drafted: (at) => `작성 시각: ${at}`,
  parties: '당사자',
  grantor: (name, slug) => `  허가자(데이터 소유자): ${name} [기업: ${slug}]`,
  grantee: (name, slug) => `  수허가자(수령자):     ${name} [워킹그룹: ${slug}]`,
  purpose: '목적',
  term: '기간',
  termLine: (from, until) =>
    `  ${from}부터 ${until}까지(UTC). 기간이 끝나거나 서명된 해지 문서가 제출되면 접근이 종료됩니다.`,
  datasets: '데이터셋',
  dataset: (n, name, id, v) => `  ${n}. ${name} — 데이터셋 ${id}, 버전 ${v}(고정)`,
  objectSha: (sha) => `     객체 SHA-256: ${sha}`,
  columnsHeading: '     제공되는 열과 처리 방법:',
  columnLine: (name, cls, t) => `       - ${name}${cls === null ? '' : ` [${cls}]`} — ${t}`,
  personalDataOverride: (kind, cls) =>
    `         주의: 허브가 이 열에서 개인정보(${kind})를 탐지했으나 게시자가 ${cls}(으)로 분류했습니다.`,
  otherColumnsWithheld: '     이 데이터셋의 다른 모든 열은 제공되지 않습니다.',
  onlyRowsWhere: '     다음 조건을 모두 만족하는 행만 제공됩니다:',
  allRows: '     행: 고정된 버전의 모든 행.',
  kAnonymity: (qis, k) => `     k-익명성: ${qis}의 모든 제공 조합은 최소 ${k}개 행이 공유합니다;`,
  datasetQis: '데이터셋의 준식별자 열',
  suppression: (p) => `       더 작은 그룹의 행은 삭제됩니다(최대 전체 행의 ${p}).`,
  kLevel: (qi, what, level) => `       ${qi}: k-익명성을 위해 ${what}(수준 ${level})`,
  notGeneralized: '일반화하지 않음',
  suppressedEntirely: '모든 행에서 값을 제공하지 않음(*)',
  kLevelsChosen: (qis) =>
    `       ${qis}의 수준은 허브가 고정된 버전의 값으로 수행한 위험 검토가 선택했습니다.`,
  kLevelsPending: (qis) =>
    `       ${qis}의 수준은 아직 선택되지 않았습니다: 허브의 위험 검토가 끝나기 전에는 이 버전에 서명할 수 없습니다.`,
  metrics: {
    DM_STAR: 'DM*(클래스 크기 제곱의 합)',
    DM: '삭제된 행마다 |D| 벌점을 더한 식별력(discernibility)',
  },
  riskReview: (metric, rows, suppressed) =>
    `     위험 검토(정보 손실 척도: ${metric}): 전체 ${rows}행 중 ${suppressed}행이 삭제됩니다;`,
  riskClasses: (classes, smallest) =>
    `       ${classes}개 동등 클래스가 제공되며, 가장 작은 클래스는 ${smallest}행입니다;`,
  riskProsecutor: (highest, average) =>
    `       검사자(prosecutor) 재식별 위험: 최대 ${highest}, 평균 ${average};`,
  riskUniques: (before, after) =>
    `       클래스에서 유일한 행: 원본 데이터 ${before}행, 제공 데이터 ${after}행;`,
  riskLoss: (loss) => `       정보 손실(0~1로 정규화): ${loss}.`,
  riskReport: (schema, sha) => `       전체 검토 보고서(${schema})의 SHA-256: ${sha}`,
  exclusion: (c, r) => `     준식별자 ${c}은(는) k-익명성 밖에서 제공됩니다. 사유: ${r}`,
  limits: '제한',
  limitsLine: (rows, q) => `  조회당 최대 ${rows}행, 하루 최대 ${q}회 조회.`,
  exportsAllowed: (max, perDay) =>
    `  전체 뷰 내보내기 허용: 내보내기당 최대 ${max}행, 하루(UTC) 최대 ${perDay}회.`,
  exportsForbidden: '  전체 뷰 내보내기는 허용되지 않으며, 데이터는 페이지 단위 조회로만 읽을 수 있습니다.',
  exportsV1: (rows) => `  내보내기는 조회로 계산됩니다: 내보내기당 최대 ${rows}행.`,
  retention: '보존',
  retentionLine: (h) =>
    `  허가가 끝나면 허브는 비식별 뷰를 ${h}시간 이내에 삭제합니다. 수허가자가 내보낸 파일은 더 이상 허브의 통제 아래에 있지 않습니다.`,
  release: '제공 방식',
  rowOrder:
    '  행은 이 허가의 키로 섞인 순서로 제공됩니다: 행의 위치는 다른 어떤 허가의 행 위치와도 대응하지 않습니다.',
  integrity: '무결성',
  integrityHash: (sha) => `  정규(RFC 8785) 문서의 SHA-256: ${sha}`,
  integrityCover: '  양 당사자의 서명은 정확히 이 정규 바이트에 대한 것입니다.',
  classes: {
    DIRECT_IDENTIFIER: '직접 식별자',
    QUASI_IDENTIFIER: '준식별자',
    SENSITIVE: '민감정보',
    TRADE_SECRET: '영업비밀',
    OTHER: '기타',
  },
  transform: {
    drop: '제공하지 않음(삭제)',
    keep: '변경 없이 제공',
    pseudonymize: (bits) => `키 기반 가명(${bits}비트)으로 대체, 허가 간 연결 불가`,
    shiftDate: (days, entity) =>
      `비밀 오프셋(최대 ±${days}일)만큼 이동, 같은 "${entity}"의 모든 행에 같은 오프셋`,
    timeKept: '; 시각은 그대로 유지(모든 허가에서 같으므로 허가 간 행을 연결할 수 있음)',
    timeTruncated: (to) =>
      to === 'hour'
        ? '; 시각은 시 단위로 절삭(분과 초는 제공하지 않음)'
        : '; 시각은 제공하지 않음(하루의 시작으로 절삭)',
    timeJittered: (m) => `; 시각은 행마다 최대 ±${m}분의 비밀 무작위 오프셋만큼 이동`,
    noiseRelative: (p) => `값의 ±${p}`,
    noiseAbsolute: (m) => `±${m}`,
    noiseDigits: (d) => `, 그 후 소수점 ${d}자리로 반올림`,
    noise: (size, digits) => `무작위 잡음 추가(최대 ${size})${digits}`,
  },
  generalize: {
    time: (level) => `${level} 단위로 일반화`,
    interval: (w, bottom, top) => `폭 ${w}의 구간으로 일반화${bottom}${top}`,
    intervalBottom: (v) => `; ${v} 미만은 "<${v}"로 표시`,
    intervalTop: (v) => `; ${v} 이상은 "≥${v}"로 표시`,
    roundDigits: (d) => `소수점 ${d}자리로 반올림`,
    roundTo: (u) => `${u} 단위로 반올림`,
    prefix: (keep) => `앞 ${keep}글자만 제공, 나머지는 "*"로 가림`,
    map: (entries, otherwise) => `값 표 {${entries}}로 대체; 그 밖의 값은 ${otherwise}`,
  },
  timeLevels: {
    minute: '분',
    hour: '시간',
    day: '일',
    week: '주',
    month: '월',
    quarter: '분기',
    year: '연',
  },
};

export const WORDS: Record<DocumentLanguage, Words> = { en: EN, ko: KO };
