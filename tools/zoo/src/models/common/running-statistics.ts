/** How many training scenes the zoo spends on BatchNorm running statistics ("precise BN"). */

/** Train-split scenes whose batch statistics become a shipped model's running statistics. */
export const RUNNING_STATISTICS_SCENES = 2000;

/**
 * Scenes for the running statistics of a run that trained on `trainedScenes`: 2000, or for
 * quick looks (tests, --steps 3) no more than training saw, rounded up to whole hundreds.
 */
export const runningStatisticsScenes = (trainedScenes: number): number => Math.min(RUNNING_STATISTICS_SCENES, Math.max(100, Math.ceil(trainedScenes / 100) * 100));
