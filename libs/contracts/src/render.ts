/**
 * The human rendering of a grant that legal staff read, print and sign: plain text, every
 * column's treatment in words, and the SHA-256 of the canonical bytes that the signatures cover.
 */
import type { Generalization, Predicate, TransformSpec } from '@maxhub/deidentification';
import type { GrantDocument } from './grant';
import { type DocumentLanguage, WORDS, type Words } from './render-words';

/**
 * Text as the renderer prints it: a character that could make the page read differently than
 * the bytes say (controls, bidirectional controls, invisible characters) is printed as its code
 * point, e.g. <U+202E>. The model already refuses them (CONTRACT_TEXT_UNSAFE); this is the
 * second lock, for a document that reached the renderer without being parsed.
 */
const UNSAFE_GLOBAL =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]/gu;
function shown(text: string): string {
  return text.replace(
    UNSAFE_GLOBAL,
    (ch) => `<U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`,
  );
}

/**
 * Renders a grant as plain text, in English (default) or Korean: the same renderer walks the
 * same parsed document for both, so the two say the same terms line for line. `sha256` is the
 * hex SHA-256 of the grant's canonical bytes (the value the signatures cover); it is printed,
 * not recomputed.
 */
export function renderGrantText(
  doc: GrantDocument,
  opts: { sha256: string; lang?: DocumentLanguage },
): string {
  const w = WORDS[opts.lang ?? 'en'];
  const out: string[] = [];
  out.push(w.title, w.documentType(doc.schema), '');
  out.push(w.grant(doc.grantId, doc.version));
  if (doc.supersedes !== undefined) out.push(w.supersedes(doc.supersedes));
  out.push(w.drafted(doc.createdAt), '');
  out.push(w.parties);
  out.push(w.grantor(shown(doc.grantor.companyName), shown(doc.grantor.companySlug)));
  out.push(w.grantee(shown(doc.grantee.workingGroupName), shown(doc.grantee.workingGroupSlug)), '');
  out.push(w.purpose, ...indent(doc.purpose), '');
  out.push(w.term, w.termLine(doc.term.from, doc.term.until), '');
  out.push(w.datasets);
  doc.datasets.forEach((ds, i) => {
    out.push(w.dataset(i + 1, shown(ds.name), ds.datasetId, ds.version));
    if (ds.objectSha256 !== undefined) out.push(w.objectSha(ds.objectSha256));
    out.push(w.columnsHeading);
    for (const c of ds.columns) {
      const cls = c.class === undefined ? null : w.classes[c.class];
      out.push(w.columnLine(shown(c.name), cls, transformWords(c.transform, w)));
      if (c.personalDataOverride !== undefined && cls !== null)
        out.push(w.personalDataOverride(shown(c.personalDataOverride.detectedKind), cls));
    }
    out.push(w.otherColumnsWithheld);
    if (ds.rowFilter !== undefined && ds.rowFilter.length > 0) {
      out.push(w.onlyRowsWhere);
      for (const p of ds.rowFilter) out.push(`       - ${describePredicate(p)}`);
    } else {
      out.push(w.allRows);
    }
    if (ds.kAnonymity !== undefined) {
      const k = ds.kAnonymity;
      out.push(w.kAnonymity(k.quasiIdentifiers?.map(shown).join(', ') ?? w.datasetQis, k.k));
      out.push(w.suppression(formatPercent(k.suppressionLimit)));
      for (const [qi, level] of Object.entries(k.levels ?? {})) {
        const h = k.hierarchies?.[qi] ?? [];
        // Level hierarchy.length + 1 is the top `*`: the column's value is withheld in every row.
        const what =
          level === 0
            ? w.notGeneralized
            : level > h.length
              ? w.suppressedEntirely
              : generalizationWords(h[level - 1], w);
        out.push(w.kLevel(shown(qi), what, level));
      }
      if (k.hierarchies !== undefined && Object.keys(k.hierarchies).length > 0) {
        const qis = Object.keys(k.hierarchies).map(shown).join(', ');
        out.push(ds.riskReview === undefined ? w.kLevelsPending(qis) : w.kLevelsChosen(qis));
      }
    }
    const r = ds.riskReview;
    if (r !== undefined) {
      out.push(w.riskReview(w.metrics[r.metric], r.rows, r.rowsSuppressed));
      out.push(w.riskClasses(r.classes, r.smallestClass));
      out.push(w.riskProsecutor(r.highestRisk, r.averageRisk));
      out.push(w.riskUniques(r.uniqueRowsBefore, r.uniqueRowsAfter));
      out.push(w.riskLoss(r.informationLoss));
      out.push(w.riskReport(r.schema, r.reportSha256));
    }
    for (const e of ds.quasiIdentifierExclusions ?? [])
      out.push(w.exclusion(shown(e.column), shown(e.reason)));
  });
  out.push('');
  out.push(w.limits, w.limitsLine(doc.limits.rowsPerQuery, doc.limits.queriesPerDay));
  const ex = doc.limits.exports;
  if (ex === undefined) out.push(w.exportsV1(doc.limits.rowsPerQuery));
  else out.push(ex.allowed ? w.exportsAllowed(ex.maxRowsPerExport, ex.perDay) : w.exportsForbidden);
  out.push('');
  if (doc.retention !== undefined) {
    out.push(w.retention, w.retentionLine(doc.retention.viewsDeletedWithinHours), '');
  }
  if (doc.release !== undefined) out.push(w.release, w.rowOrder, '');
  out.push(w.integrity, w.integrityHash(opts.sha256), w.integrityCover);
  return `${out.join('\n')}\n`;
}

/** Each line of a multi-line field, indented (so a line break cannot pass for a new section). */
function indent(text: string): string[] {
  return text.split(/\r?\n/).map((l) => `  ${shown(l)}`);
}

function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 10000) / 100}%`;
}

/** One column's treatment in words (English). */
export function describeTransform(t: TransformSpec): string {
  return transformWords(t, WORDS.en);
}

/** A generalization in words (English). */
export function describeGeneralization(g: Generalization): string {
  return generalizationWords(g, WORDS.en);
}

function transformWords(t: TransformSpec, w: Words): string {
  switch (t.kind) {
    case 'drop':
      return w.transform.drop;
    case 'keep':
      return w.transform.keep;
    case 'pseudonymize':
      return w.transform.pseudonymize(t.bits);
    case 'generalize':
      return generalizationWords(t.generalization, w);
    case 'shiftDate': {
      const tod = t.timeOfDay ?? { mode: 'keep' as const };
      const time =
        tod.mode === 'keep'
          ? w.transform.timeKept
          : tod.mode === 'truncate'
            ? w.transform.timeTruncated(tod.to)
            : w.transform.timeJittered(tod.minutes);
      return w.transform.shiftDate(t.maxDays, shown(t.entityColumn)) + time;
    }
    case 'noise': {
      const size = t.relative
        ? w.transform.noiseRelative(formatPercent(t.magnitude))
        : w.transform.noiseAbsolute(t.magnitude);
      const digits = t.digits === undefined ? '' : w.transform.noiseDigits(t.digits);
      return w.transform.noise(size, digits);
    }
  }
}

function generalizationWords(g: Generalization, w: Words): string {
  switch (g.method) {
    case 'time':
      return w.generalize.time(w.timeLevels[g.level] ?? g.level);
    case 'interval':
      return w.generalize.interval(
        g.width,
        g.bottom === undefined ? '' : w.generalize.intervalBottom(g.bottom),
        g.top === undefined ? '' : w.generalize.intervalTop(g.top),
      );
    case 'round':
      return g.digits >= 0 ? w.generalize.roundDigits(g.digits) : w.generalize.roundTo(10 ** -g.digits);
    case 'prefix':
      return w.generalize.prefix(g.keep);
    case 'map': {
      const entries = Object.entries(g.map).map(
        ([from, to]) => `${shown(JSON.stringify(from))} → ${shown(JSON.stringify(to))}`,
      );
      return w.generalize.map(entries.join(', '), shown(JSON.stringify(g.otherwise)));
    }
  }
}

/** A row-filter predicate in words. */
export function describePredicate(p: Predicate): string {
  const v = (x: unknown): string => shown(JSON.stringify(x));
  const col = shown(p.column);
  switch (p.op) {
    case 'eq':
      return `${col} equals ${v(p.value)}`;
    case 'ne':
      return `${col} differs from ${v(p.value)}`;
    case 'lt':
      return `${col} is less than ${v(p.value)}`;
    case 'lte':
      return `${col} is at most ${v(p.value)}`;
    case 'gt':
      return `${col} is greater than ${v(p.value)}`;
    case 'gte':
      return `${col} is at least ${v(p.value)}`;
    case 'in':
      return `${col} is one of ${p.values.map(v).join(', ')}`;
    case 'notIn':
      return `${col} is none of ${p.values.map(v).join(', ')}`;
    case 'between':
      return `${col} is between ${v(p.low)} and ${v(p.high)} (inclusive)`;
    case 'isNull':
      return `${col} is empty`;
    case 'notNull':
      return `${col} is not empty`;
    case 'prefix':
      return `${col} starts with ${v(p.value)}`;
  }
}
