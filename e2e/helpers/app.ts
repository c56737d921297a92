/** The real dashboard, started as `npm start` does (apps/dashboard/scripts/launch.mjs), one onnxruntime thread per session. */
import { launchDashboard, type LaunchOptions, type RunningDashboard } from '../../apps/dashboard/scripts/launch.mjs';

export type RunningApp = RunningDashboard;

export const startApp = (o: LaunchOptions = {}): Promise<RunningApp> => launchDashboard({ ...o, env: { GRADLOC_THREADS: '1', ...o.env } });
