import type { ChildProcess } from 'node:child_process';

export interface LaunchOptions {
  readonly port?: number;
  /** GRADLOC_DATA_DIR (default: a new temp folder's `data`, not created yet). */
  readonly dataDir?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Called with everything the app prints. */
  readonly echo?: (text: string) => void;
}

export interface RunningDashboard {
  readonly url: string;
  readonly dataDir: string;
  readonly process: ChildProcess;
  /** Everything printed so far. */
  readonly output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function freePort(): Promise<number>;
export function launchDashboard(o?: LaunchOptions): Promise<RunningDashboard>;
