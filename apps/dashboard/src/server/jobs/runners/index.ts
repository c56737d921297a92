/** One runner per job kind: the kind's input schema (schemas.ts) and the function that runs it. */
import type { z } from 'zod';
import { JOB_INPUTS, type JobKind } from '../../schemas.js';
import type { JobContext } from '../context.js';
import { runQuant } from './quant.js';
import { runSgtm } from './sgtm.js';
import { runVps } from './vps.js';
import { runVpsDiverse } from './vps-diverse.js';

type Runners = { readonly [K in JobKind]: (input: z.infer<(typeof JOB_INPUTS)[K]>, ctx: JobContext) => Promise<unknown> };

export const RUNNERS: Runners = { vps: runVps, 'vps-diverse': runVpsDiverse, quant: runQuant, sgtm: runSgtm };

/** Parses a stored input and runs the kind's runner. */
export function runJob(kind: JobKind, input: unknown, ctx: JobContext): Promise<unknown> {
  switch (kind) {
    case 'vps':
      return RUNNERS.vps(JOB_INPUTS.vps.parse(input), ctx);
    case 'vps-diverse':
      return RUNNERS['vps-diverse'](JOB_INPUTS['vps-diverse'].parse(input), ctx);
    case 'quant':
      return RUNNERS.quant(JOB_INPUTS.quant.parse(input), ctx);
    case 'sgtm':
      return RUNNERS.sgtm(JOB_INPUTS.sgtm.parse(input), ctx);
  }
}
