/**
 * The web server's process-wide state, created on first use: env, database and services.
 * The Next.js route handler calls serverState() per request; the promise is shared.
 */
import { createDb, type Db } from './db.js';
import { loadEnv } from './env.js';
import { createServices, type Services } from './services/index.js';

let state: Promise<{ db: Db; services: Services }> | undefined;

export function serverState(): Promise<{ db: Db; services: Services }> {
  state ??= (async () => {
    const env = loadEnv();
    return { db: await createDb(env.databaseUrl), services: createServices(env, { serving: true }) };
  })();
  state.catch(() => (state = undefined));
  return state;
}
