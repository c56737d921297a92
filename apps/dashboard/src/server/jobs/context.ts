/** What a job runner gets: the process's services and a progress reporter that also carries cancellation. */
import type { Services } from '../services/index.js';

export class JobCancelled extends Error {
  constructor() {
    super('cancelled by request');
  }
}

export interface JobContext {
  readonly services: Services;
  readonly jobId: string;
  /** Keeps a file for download with the job's result, in the blob store; returns its URL (jobs/files.ts). */
  saveFile(name: string, bytes: Uint8Array): Promise<string>;
  /**
   * Progress in [0, 1] and what the job is doing. Synchronous (package progress callbacks are);
   * the worker writes the latest value to the database a few times a second. Throws
   * JobCancelled once a cancel was requested, which unwinds the runner.
   */
  report(progress: number, stage: string): void;
}

/** Maps a sub-task's done/total into [from, to] of the job's progress. */
export const span = (from: number, to: number, done: number, total: number): number => from + ((to - from) * done) / Math.max(1, total);
