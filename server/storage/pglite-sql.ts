/**
 * The `Sql` seam over embedded PGlite (PostgreSQL compiled to WebAssembly, one process): the
 * default backend, its files in `<dataDir>/db`. PGlite runs one statement at a time and queues
 * the rest, so a transaction or a compare-and-swap never interleaves with another query.
 * Only one process may open a folder; the CLI's data-folder lock (`server/data-dir.ts`) ensures it.
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { guard, type Sql, type SqlQuery, type SqlRow, type SqlValue } from './sql';

const INT8_OID = 20;

export async function openPgliteSql(directory: string): Promise<Sql> {
  const db = await guard(async () => {
    await mkdir(directory, { recursive: true, mode: 0o700 });
    return PGlite.create(directory, { parsers: { [INT8_OID]: (value: string) => Number(value) } });
  });
  const queryOn =
    (target: Pick<PGlite, 'query'>) =>
    <Row extends SqlRow = SqlRow>(text: string, params: readonly SqlValue[] = []) =>
      guard(async () => (await target.query<Row>(text, [...params])).rows);
  return {
    kind: 'pglite',
    query: queryOn(db),
    transaction: <T>(fn: (tx: SqlQuery) => Promise<T>) =>
      guard(() => db.transaction((tx) => fn({ query: queryOn(tx) }))),
    close: () => guard(() => db.close()),
  };
}
