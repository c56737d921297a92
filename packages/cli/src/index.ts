/** Programmatic entry points of the gradloc CLI (tests and embedding); the executable is bin.js. */
export type { Command, Io } from './command.js';
export { main, formatError, version } from './main.js';
export { COMMANDS } from './commands/index.js';
export { grad, parseGradArgs, gradCommand, type GradOptions, type GradResult } from './commands/grad.js';
export { cam, camCommand, type CamCommandResult } from './commands/cam.js';
export { parseCamArgs, parseClasses, parseGrid, type CamCommandOptions } from './commands/cam-args.js';
export { parseBoxes } from './commands/cam-files.js';
export { demo, demoCommand, type DemoReport } from './commands/demo.js';
export { safeName, safeNames, writeOutputs, type OutputFile } from './output.js';
export { parseFeedSpec, conform, CONVERSIONS } from './feeds.js';
export { parseOf, resolveWrt, tensorNames } from './names.js';
export { benchGrad, median, type BenchResult } from './bench.js';
