export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust authentication, loopback only). */
  readonly url: string;
  readonly port: number;
  /** pg_ctl restart (-m fast): drops every connection, as a database restart does. */
  restart(): void;
  stop(): void;
}

/** The folder holding initdb and pg_ctl, or null without Debian's postgresql. */
export function postgresBinaries(): string | null;
/** Whether the Postgres tests can run here (under CI, missing binaries throw instead). */
export function postgresAvailable(file: string): boolean;
export function startPostgres(): Promise<PostgresCluster>;
