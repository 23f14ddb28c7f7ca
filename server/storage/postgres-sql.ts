/**
 * The `Sql` seam over PostgreSQL through postgres.js: the backend for several server instances
 * behind a load balancer. Each query takes a pooled connection; a transaction holds one until it
 * ends. Statements run at READ COMMITTED, so a conditional UPDATE that lost a race re-checks its
 * WHERE clause against the winner's row and matches nothing (PostgreSQL §13.2.1).
 * @module
 */
import postgres from 'postgres';
import { guard, type Sql, type SqlQuery, type SqlRow, type SqlValue } from './sql';

const INT8_OID = 20;

type Client = postgres.Sql | postgres.TransactionSql;

export type PostgresSqlOptions = {
  /** Pool size; each transaction holds one connection. */
  maxConnections?: number;
};

/** Copies BYTEA values out of Node Buffers, so callers only ever see plain Uint8Arrays. */
function plainRow(row: SqlRow): SqlRow {
  const out: SqlRow = {};
  for (const [key, value] of Object.entries(row))
    out[key] = Buffer.isBuffer(value) ? Uint8Array.from(value) : value;
  return out;
}

function queryOn(client: Client) {
  return <Row extends SqlRow = SqlRow>(text: string, params: readonly SqlValue[] = []) =>
    guard(async () => {
      const rows = await client.unsafe(text, params as postgres.ParameterOrJSON<never>[]);
      return rows.map((row) => plainRow(row as SqlRow) as Row);
    });
}

/** Connects lazily: the first query (the migrations, at open) reports an unreachable server. */
export function openPostgresSql(databaseUrl: string, options: PostgresSqlOptions = {}): Sql {
  const client = postgres(databaseUrl, {
    max: options.maxConnections ?? 10,
    connect_timeout: 10,
    // NOTICEs ("relation already exists, skipping") are not for the server log.
    onnotice: () => {},
    types: {
      int8: {
        to: INT8_OID,
        from: [INT8_OID],
        serialize: (value: number) => String(value),
        parse: (value: string) => Number(value),
      },
    },
  });
  return {
    kind: 'postgres',
    query: queryOn(client),
    transaction: <T>(fn: (tx: SqlQuery) => Promise<T>) =>
      guard(async () => (await client.begin((tx) => fn({ query: queryOn(tx) }))) as T),
    close: () => guard(() => client.end({ timeout: 5 })),
  };
}
