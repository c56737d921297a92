/**
 * Prisma CLI config (generate, migrate deploy). DATABASE_URL picks the schema:
 * postgres://... -> prisma/postgres, anything else -> SQLite (prisma/sqlite).
 *
 * SQLite migrates through the JS schema engine and the same better-sqlite3 adapter the app
 * uses, so it works offline. Postgres *migrations* use Prisma's classic (Rust) schema engine,
 * which is downloaded on first use and so needs the internet (the docker image has it): with
 * the pg adapter, Prisma 6.19's JS engine cannot read Postgres catalogs ("Column type 'name'
 * could not be deserialized", prisma/orm#27403). Generating the Postgres client needs no
 * engine, so every other command keeps the JS engine. The app talks to Postgres through pg.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';

const here = import.meta.dirname;
// the app's default (src/server/env.ts): an SQLite file in the data folder
const url = process.env.DATABASE_URL ?? `file:${join(process.env.GRADLOC_DATA_DIR ?? join(here, 'data'), 'gradloc.db')}`;
process.env.DATABASE_URL = url;
const postgres = /^postgres(ql)?:\/\//.test(url);
const dir = join(here, 'prisma', postgres ? 'postgres' : 'sqlite');
// SQLite creates the file but not its folder (a fresh clone has no data/)
if (url.startsWith('file:')) mkdirSync(dirname(url.slice('file:'.length)), { recursive: true });
const files = { schema: join(dir, 'schema.prisma'), migrations: { path: join(dir, 'migrations') } };

const migrating = process.argv.includes('migrate');

export default postgres && migrating
  ? defineConfig({ ...files, engine: 'classic', datasource: { url } })
  : defineConfig({
      ...files,
      experimental: { adapter: true },
      engine: 'js',
      adapter: async () => (postgres ? new PrismaPg({ connectionString: url }) : new PrismaBetterSQLite3({ url })),
    });
