/** The SQLite and Postgres schemas and migrations describe the same table. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP } from './helpers/setup.js';

const schema = (p: string): string => readFileSync(join(APP, 'prisma', p, 'schema.prisma'), 'utf8');
const models = (text: string): string => text.slice(text.indexOf('\n///', text.indexOf('datasource')));

function migrationColumns(provider: string): string[] {
  const dir = join(APP, 'prisma', provider, 'migrations');
  const sql = readdirSync(dir)
    .filter((d) => !d.endsWith('.toml'))
    .sort()
    .map((d) => readFileSync(join(dir, d, 'migration.sql'), 'utf8'))
    .join('\n');
  return [...sql.matchAll(/^\s+"(\w+)" /gm)].map((m) => m[1]);
}

describe('prisma schemas', () => {
  it('have identical model blocks for sqlite and postgresql', () => {
    const sqlite = schema('sqlite');
    const pg = schema('postgres');
    expect(sqlite).toMatch(/provider = "sqlite"/);
    expect(pg).toMatch(/provider = "postgresql"/);
    expect(models(pg)).toBe(models(sqlite));
  });

  it('have migrations creating the same columns, those of the model', () => {
    const fields = [...models(schema('sqlite')).matchAll(/^\s{2}(\w+)\s+\w+/gm)].map((m) => m[1]);
    expect(migrationColumns('sqlite')).toEqual(fields);
    expect(migrationColumns('postgres')).toEqual(fields);
  });
});
