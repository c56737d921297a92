/**
 * The tsc-built server (src/server, package export @gradloc/dashboard/server), imported by
 * Node at run time rather than bundled: it loads native modules (onnxruntime, sharp,
 * better-sqlite3) and finds the shipped models relative to its own files. Shared by the API
 * routes; loaded once per process.
 */
type Server = typeof import('@gradloc/dashboard/server');

let server: Promise<Server> | undefined;
export const loadServer = (): Promise<Server> => (server ??= import(/* webpackIgnore: true */ /* turbopackIgnore: true */ '@gradloc/dashboard/server') as Promise<Server>);
