import { AuditEntryEntity } from '@maxhub/db';
import { DataSource } from 'typeorm';
import { StoredAuditEntry, verifyChain, ChainVerification } from './chain';

/** Streams the stored chain in sequence order, a page at a time (memory stays flat). */
export async function* readChain(dataSource: DataSource, pageSize = 5000): AsyncGenerator<StoredAuditEntry> {
  let after = 0;
  for (;;) {
    const rows = await dataSource
      .getRepository(AuditEntryEntity)
      .createQueryBuilder('e')
      .where('e.seq > :after', { after })
      .orderBy('e.seq', 'ASC')
      .limit(pageSize)
      .getMany();
    for (const r of rows) yield { ...r, seq: Number(r.seq) };
    if (rows.length < pageSize) return;
    after = Number(rows[rows.length - 1].seq);
  }
}

/** Recomputes the whole stored chain and names the first broken entry, if any. */
export function verifyStoredChain(dataSource: DataSource): Promise<ChainVerification> {
  return verifyChain(readChain(dataSource));
}
