/** Small helpers for DuckDB (@duckdb/node-api) shared by the stages that query Parquet. */
import type { DuckDBConnection } from '@duckdb/node-api';

/** A SQL string literal. */
export const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** All rows of a query as plain objects (BIGINT columns come back as bigint). */
export async function readAll<T>(conn: DuckDBConnection, sql: string): Promise<T[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS() as T[];
}

/** Creates a temporary table from plain objects; `columns` maps names to DuckDB types (`['VARCHAR']` = list). */
export async function createTable(conn: DuckDBConnection, name: string, columns: Record<string, string | string[]>, rows: readonly object[]): Promise<void> {
  const structure = JSON.stringify([columns]);
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${name} AS SELECT unnest(from_json($rows::JSON, ${sqlString(structure)}), recursive := true)`,
    { rows: JSON.stringify(rows) },
  );
}
