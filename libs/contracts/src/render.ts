/**
 * The human rendering of a grant that legal staff read, print and sign: plain text, every
 * column's treatment in words, and the SHA-256 of the canonical bytes that the signatures cover.
 */
import type { Generalization, Predicate, TransformSpec } from '@maxhub/deidentification';
import type { GrantDocument } from './grant';

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
 * Renders a grant as plain text. `sha256` is the hex SHA-256 of the grant's canonical bytes
 * (the value the signatures cover); it is printed, not recomputed.
 */
export function renderGrantText(doc: GrantDocument, opts: { sha256: string }): string {
  const out: string[] = [];
  out.push('M.AX DATA HUB — DATA ACCESS GRANT', `Document type: ${doc.schema}`, '');
  out.push(`Grant: ${doc.grantId}, version ${doc.version}`);
  if (doc.supersedes !== undefined)
    out.push(`Supersedes the version whose canonical SHA-256 is ${doc.supersedes}`);
  out.push(`Drafted: ${doc.createdAt}`, '');
  out.push('PARTIES');
  out.push(
    `  Grantor (data owner): ${shown(doc.grantor.companyName)} [company: ${shown(doc.grantor.companySlug)}]`,
  );
  out.push(
    `  Grantee (recipient):  ${shown(doc.grantee.workingGroupName)} [working group: ${shown(doc.grantee.workingGroupSlug)}]`,
    '',
  );
  out.push('PURPOSE', ...indent(doc.purpose), '');
  out.push(
    'TERM',
    `  From ${doc.term.from} until ${doc.term.until} (UTC). Access ends at the end of the term or on a signed termination.`,
    '',
  );
  out.push('DATASETS');
  doc.datasets.forEach((ds, i) => {
    out.push(`  ${i + 1}. ${shown(ds.name)} — dataset ${ds.datasetId}, version ${ds.version} (pinned)`);
    if (ds.objectSha256 !== undefined) out.push(`     Object SHA-256: ${ds.objectSha256}`);
    out.push('     Columns released and their treatment:');
    for (const c of ds.columns) out.push(`       - ${shown(c.name)} — ${describeTransform(c.transform)}`);
    out.push('     All other columns of this dataset are withheld.');
    if (ds.rowFilter !== undefined && ds.rowFilter.length > 0) {
      out.push('     Only rows where all of the following hold:');
      for (const p of ds.rowFilter) out.push(`       - ${describePredicate(p)}`);
    } else {
      out.push('     Rows: all rows of the pinned version.');
    }
    if (ds.kAnonymity !== undefined) {
      const k = ds.kAnonymity;
      const qis = k.quasiIdentifiers?.map(shown).join(', ') ?? "the dataset's quasi-identifier columns";
      out.push(`     k-anonymity: every released combination of ${qis} is shared by at least ${k.k} rows;`);
      out.push(
        `       rows in smaller groups are suppressed (at most ${formatPercent(k.suppressionLimit)} of rows).`,
      );
      for (const [qi, level] of Object.entries(k.levels ?? {})) {
        const h = k.hierarchies?.[qi];
        const g = level > 0 && h !== undefined ? h[level - 1] : undefined;
        out.push(
          `       ${shown(qi)}: ${g === undefined ? 'not generalized' : describeGeneralization(g)} for k-anonymity (level ${level})`,
        );
      }
    }
  });
  out.push('');
  out.push('LIMITS');
  out.push(
    `  At most ${doc.limits.rowsPerQuery} rows per query and ${doc.limits.queriesPerDay} queries per day.`,
    '',
  );
  out.push('INTEGRITY');
  out.push(`  SHA-256 of the canonical (RFC 8785) document: ${opts.sha256}`);
  out.push('  The signatures of both parties cover exactly these canonical bytes.');
  return `${out.join('\n')}\n`;
}

/** Each line of a multi-line field, indented (so a line break cannot pass for a new section). */
function indent(text: string): string[] {
  return text.split(/\r?\n/).map((l) => `  ${shown(l)}`);
}

function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 10000) / 100}%`;
}

/** One column's treatment in words. */
export function describeTransform(t: TransformSpec): string {
  switch (t.kind) {
    case 'drop':
      return 'withheld (dropped)';
    case 'keep':
      return 'released unchanged';
    case 'pseudonymize':
      return `replaced by a keyed pseudonym (${t.bits} bits), unlinkable across grants`;
    case 'generalize':
      return describeGeneralization(t.generalization);
    case 'shiftDate':
      return `shifted by a secret offset of up to ±${t.maxDays} days, the same for all rows of one "${shown(t.entityColumn)}"`;
    case 'noise': {
      const size = t.relative ? `±${formatPercent(t.magnitude)} of the value` : `±${t.magnitude}`;
      const digits = t.digits === undefined ? '' : `, then rounded to ${t.digits} decimal digits`;
      return `perturbed by random noise of up to ${size}${digits}`;
    }
  }
}

/** A generalization in words. */
export function describeGeneralization(g: Generalization): string {
  switch (g.method) {
    case 'time':
      return `generalized to the ${g.level}`;
    case 'interval': {
      const bottom = g.bottom === undefined ? '' : `; values below ${g.bottom} shown as "<${g.bottom}"`;
      const top = g.top === undefined ? '' : `; values of ${g.top} or more shown as "≥${g.top}"`;
      return `generalized to intervals of width ${g.width}${bottom}${top}`;
    }
    case 'round':
      return g.digits >= 0
        ? `rounded to ${g.digits} decimal digits`
        : `rounded to the nearest ${10 ** -g.digits}`;
    case 'prefix':
      return `only the first ${g.keep} characters released, the rest masked with "*"`;
    case 'map': {
      const entries = Object.entries(g.map).map(
        ([from, to]) => `${shown(JSON.stringify(from))} → ${shown(JSON.stringify(to))}`,
      );
      return `replaced through the value table {${entries.join(', ')}}; any other value becomes ${shown(JSON.stringify(g.otherwise))}`;
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
