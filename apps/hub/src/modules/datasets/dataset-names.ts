import {
  hasMixedScriptWord,
  hasUnsupportedNameScript,
  namesConfusable,
  normalizeName,
} from '@maxhub/contracts';
import type { EntityManager } from 'typeorm';
import { badInput } from '../../common/hub-error';
import { DatasetsErrorCode as E } from './datasets.errors';

/**
 * A dataset name as it is stored and shown in the catalog and in every grant that names it:
 * NFC (so "Café" typed as e + combining accent is the same name as the precomposed one), no
 * surrounding white space, 1–200 characters, and no word mixing Latin with Cyrillic or Greek
 * look-alike letters. Control, bidi and invisible characters never get this far (the GraphQL
 * input guard refuses them, naming the field).
 */
export function datasetName(raw: string): string {
  const name = normalizeName(raw);
  if (!name || name.length > 200)
    throw badInput(E.DATASET_NAME_INVALID, 'the dataset name must be 1–200 characters');
  if (hasUnsupportedNameScript(name))
    throw badInput(
      E.DATASET_NAME_SCRIPT_UNSUPPORTED,
      'the dataset name may be written in Korean, Latin, Chinese or Japanese letters, digits and symbols (Greek only as symbols such as μ or Ω)',
    );
  if (hasMixedScriptWord(name))
    throw badInput(
      E.DATASET_NAME_MIXED_SCRIPT,
      'the dataset name mixes Latin letters with Cyrillic or Greek ones in one word; write each word in one script',
    );
  return name;
}

/**
 * Inside the publishing transaction: serializes new names per company (an advisory lock, so two
 * look-alike names published at once cannot both pass), then returns the name to store under.
 * The same name (compared in NFC) is the existing dataset: a new version. A name that only
 * LOOKS like another dataset of the company (case, spacing, invisible characters, Cyrillic or
 * Greek look-alikes: Unicode TR39 skeletons) or like another member company's name is refused.
 */
export async function distinctDatasetName(
  m: EntityManager,
  companyId: string,
  name: string,
): Promise<string> {
  await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`maxhub.dataset-names:${companyId}`]);
  const own: Array<{ name: string }> = await m.query('SELECT name FROM datasets WHERE company_id = $1', [
    companyId,
  ]);
  const same = own.find((d) => d.name.normalize('NFC') === name);
  if (same) return same.name;
  if (own.some((d) => namesConfusable(d.name, name)))
    throw badInput(
      E.DATASET_NAME_CONFUSABLE,
      'the dataset name looks like the name of another dataset of your company (it differs only in case, spacing, invisible characters or look-alike letters): publish under that exact name for a new version, or choose a distinct name',
    );
  const others: Array<{ name: string; name_ko: string | null }> = await m.query(
    'SELECT name, name_ko FROM companies WHERE id <> $1',
    [companyId],
  );
  const looksLike = (n: string | null) =>
    n !== null && (n.normalize('NFC') === name || namesConfusable(n, name));
  if (others.some((c) => looksLike(c.name) || looksLike(c.name_ko)))
    throw badInput(
      E.DATASET_NAME_CONFUSABLE,
      'the dataset name is, or looks like, the name of another member company; choose a name that does not',
    );
  return name;
}
