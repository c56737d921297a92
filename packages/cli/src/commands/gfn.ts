/**
 * `gradloc gfn bench`: convergence of the GFlowNet objectives on a named environment, one JSON
 * line per method. Thin over @gradloc/gflownet's compareMethods.
 */
import { GradlocError } from '@gradloc/tensor-backend';
import { compareMethods, ENV_NAMES, EPSILON_DEFAULTS, LOSS_NAMES, THRESHOLD_DEFAULTS, TRAIN_GFN_DEFAULTS } from '@gradloc/gflownet';
import { optionalChoice, optionalInt, optionalNumber, parseFlags, requireString } from '../args.js';
import { subcommandRunner, type Command, type Io } from '../command.js';

const HELP = `Usage: gradloc gfn bench --env ${ENV_NAMES.join('|')} --methods ${LOSS_NAMES.join(',')} [--seeds N] [--steps S]
                         [--first-seed N] [--eval-every N] [--threshold X] [--incomplete F] [--epsilon E] [--batch N]
                         [--terminal-flow reward|learned]

GFlowNets (Pan et al. 2023, "Better Training of GFlowNets with Local Credit and Incomplete
Trajectories"): trains each method with N seeds (default 3) for S steps (default ${TRAIN_GFN_DEFAULTS.steps}) of
${TRAIN_GFN_DEFAULTS.batch} trajectories and prints one JSON line per method: the median curve over seeds,
the median steps to the threshold (null when half of the seeds never reach it) and each seed's.

  --env          set-small  the authors' 30 items, sets of 20 (metric: mean reward of the top-100
                            unique on-policy samples, threshold ${THRESHOLD_DEFAULTS.top100})
                 set-exact  12 items, sets of 6 (metric: exact L1 = sum over the 924 sets of
                            |p_sampler - p_target|, threshold ${THRESHOLD_DEFAULTS.l1})
                 hypergrid  2-D, height 8, torchgfn's original reward (exact L1 over the 64 points)
  --methods      comma-separated: tb, db, fldb (forward-looking DB), subtb (lambda 0.9), flsubtb
  --incomplete F share of each batch cut at a random length, for fldb and flsubtb only (1 = train
                 on incomplete trajectories only)
  --epsilon E    uniform exploration for every method (default per method, the authors':
                 ${Object.entries(EPSILON_DEFAULTS).map(([k, v]) => `${k} ${v}`).join(', ')})
  --eval-every N steps between curve points (default ${TRAIN_GFN_DEFAULTS.evalEvery})
  --terminal-flow T  fldb/flsubtb at terminal states: reward (default, torchgfn's log F~(x) = 0)
                 or learned (the authors' set code: the network's log F~(x), boundary not
                 imposed; set tasks only)
  --first-seed N seeds are N .. N + seeds - 1 (default 0)`;

const FLAGS = {
  env: { type: 'string' },
  methods: { type: 'string' },
  seeds: { type: 'string' },
  'first-seed': { type: 'string' },
  steps: { type: 'string' },
  'eval-every': { type: 'string' },
  threshold: { type: 'string' },
  incomplete: { type: 'string' },
  epsilon: { type: 'string' },
  batch: { type: 'string' },
  'terminal-flow': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function benchCommand(argv: readonly string[], io: Io): Promise<number> {
  const c = 'gfn bench';
  const f = parseFlags(c, argv, FLAGS);
  const env = optionalChoice(c, f, 'env', ENV_NAMES);
  if (!env) throw new GradlocError('BAD_INPUT', `${c}: --env is required (${ENV_NAMES.join(', ')})`);
  const methods = requireString(c, f, 'methods').split(',').map((m) => m.trim()).filter((m) => m !== '');
  await compareMethods(
    {
      env,
      methods,
      seeds: optionalInt(c, f, 'seeds', 1),
      firstSeed: optionalInt(c, f, 'first-seed', 0),
      steps: optionalInt(c, f, 'steps', 1),
      evalEvery: optionalInt(c, f, 'eval-every', 1),
      threshold: optionalNumber(c, f, 'threshold', -Number.MAX_VALUE, Number.MAX_VALUE),
      incomplete: optionalNumber(c, f, 'incomplete', 0, 1),
      epsilon: optionalNumber(c, f, 'epsilon', 0, 1),
      batch: optionalInt(c, f, 'batch', 1),
      terminalFlow: optionalChoice(c, f, 'terminal-flow', ['reward', 'learned'] as const),
      onRun: (method, seed, seconds) => io.err(`gfn bench: ${env} ${method} seed ${seed}: ${seconds.toFixed(1)} s`),
    },
    (r) => io.out(JSON.stringify(r)),
  );
  return 0;
}

export const gfnCommand: Command = {
  name: 'gfn',
  summary: 'GFlowNets: compare TB, DB, FL-DB, SubTB and FL-SubTB on set and grid tasks',
  help: HELP,
  run: subcommandRunner('gfn', HELP, { bench: benchCommand }),
};
