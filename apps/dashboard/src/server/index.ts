/**
 * The dashboard's server side, compiled by tsc to dist/ and loaded by the Next.js route as an
 * external package (@gradloc/dashboard/server), and by the worker process. Clients import
 * only the AppRouter type.
 */
export { appRouter, createCaller, type AppRouter } from './router.js';
export { createContext, type Context } from './context.js';
export { createDb, disconnectDb, isPostgresUrl, type Db } from './db.js';
export { loadEnv, type Env } from './env.js';
export { createServices, type Services } from './services/index.js';
export { JobStore, MAX_ATTEMPTS, type JobView } from './jobs/store.js';
export { JobWorker, type WorkerOptions } from './jobs/worker.js';
export { jobQueue, migrateJobEngine, type JobQueue } from './jobs/queues/index.js';
export { serverState } from './state.js';
export type { QuantResult } from './jobs/runners/quant.js';
export type { VpsResult } from './jobs/runners/vps.js';
export type { VpsDiverseResult } from './jobs/runners/vps-diverse.js';
export type { SgtmResult } from './jobs/runners/sgtm.js';
export { handleDownload, handleTrpc, TRPC_ENDPOINT } from './http.js';
export { describeApi, handleApiIndex, type ProcedureInfo } from './api-index.js';
