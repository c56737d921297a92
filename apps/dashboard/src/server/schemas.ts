/**
 * Input schemas shared by the routers (validation at the edge) and the job worker (a job's
 * stored input is parsed again before it runs, so a row written by an older version fails
 * clearly instead of half-running).
 */
import { z } from 'zod';
import { METHOD_NAMES, VL_METHODS, type MethodName } from '@gradloc/cam-explain';
import { METHODS } from '@gradloc/quant-gwq';
import { BASELINES, SEARCHES, type BaselineKind, type SearchKind } from '@gradloc/vps-search';
import { METHODS as SGTM_METHODS } from '@gradloc/sgtm-train';
import { MODEL_NAME } from './services/registry.js';

/** The text cap; the byte and pixel limits (env) are checked when the image is decoded. */
const MAX_IMAGE_CHARS = 64 * 1024 * 1024;

export const imageField = z.string().min(1, 'the image is empty').max(MAX_IMAGE_CHARS, 'the image is too large');
export const modelName = z.string().regex(MODEL_NAME, 'a model is named by its registered name (see models.list), not a path');
export const methodName = z.enum(METHOD_NAMES as [MethodName, ...MethodName[]]);

export const detectInput = z.object({
  image: imageField,
  queries: z.array(z.string().trim().min(1, 'a query is empty').max(200)).min(1, 'give at least one query').max(16, 'at most 16 queries per request'),
  model: modelName.optional(),
  threshold: z.number().min(0).max(1).optional(),
});

const classTarget = z.union([z.number().int().min(0), z.string().min(1).max(100)]);

export const camInput = z.object({
  image: imageField,
  method: methodName.default('gradcam'),
  model: modelName.optional(),
  target: classTarget.optional(),
});

export const compareInput = z.object({
  image: imageField,
  methods: z.array(methodName).min(1).max(6, 'compare at most 6 methods at once'),
  model: modelName.optional(),
  target: classTarget.optional(),
});

export const textExplainInput = z.object({
  image: imageField,
  text: z.string().trim().min(1, 'the text is empty').max(200),
  methods: z.array(z.enum(VL_METHODS)).min(1).max(VL_METHODS.length).default([...VL_METHODS]),
  model: modelName.optional(),
  /** Grounders: the box (patch) whose logit is explained; default the best for the text. */
  box: z.number().int().min(0).optional(),
});

export const vpsInput = z.object({
  image: imageField,
  query: z.string().trim().min(1).max(200),
  model: modelName.optional(),
  /** The detection to explain, [x0, y0, x1, y1] in pixels; default: the model's best box for the query. */
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
  regions: z.number().int().min(4).max(256).default(64),
  lazy: z.boolean().default(false),
  /** The search (vps-search's SEARCHES, default 'shortlist'); `lazy: true` is search 'lazy'. */
  search: z.enum(SEARCHES as unknown as [SearchKind, ...SearchKind[]]).optional(),
  baseline: z.enum(BASELINES as [BaselineKind, ...BaselineKind[]]).default('black'),
});

/** vps.diverse: k region sets sampled by a GFlowNet (vps-search's explainDiverse) instead of one greedy order. */
export const vpsDiverseInput = vpsInput.omit({ lazy: true, search: true }).extend({
  k: z.number().int().min(2).max(8).default(4),
  /** Regions per set (default: an eighth of the regions). */
  size: z.number().int().min(1).max(64).optional(),
  /** Detector forward passes (default: what a full greedy order costs, 2 + n(n + 1)). */
  budget: z.number().int().min(10).max(100_000).optional(),
});

export const quantInput = z.object({
  model: modelName.default('brown-gpt'),
  method: z.enum(METHODS).default('gwq'),
  bits: z.union([z.literal(2), z.literal(3), z.literal(4), z.literal(8)]).default(4),
  group: z.number().int().min(8).max(1024).default(64),
  /** FP16 outlier share in percent (GWQ, magnitude, Hessian, random). */
  outliers: z.number().min(0).max(10).default(1),
  gptq: z.boolean().default(false),
  /** Calibration sequences from brown:train. */
  calibSamples: z.number().int().min(1).max(64).default(8),
  /** Test windows scored for perplexity (evenly spread over brown:test). */
  evalWindows: z.number().int().min(1).max(2000).default(64),
});

/** sgtm.eval: a bilingual model's English (retain) and cipher (forget) test losses. */
export const sgtmEvalInput = z.object({
  model: modelName.default('sgtm-bilingual'),
  ablate: z.boolean().default(false),
  calibrate: z.boolean().default(false),
  /** Test windows per language (evenly spread). */
  maxWindows: z.number().int().min(1).max(2000).default(256),
});

/** sgtm.train: a small SGTM (or baseline) run on the bilingual corpus. */
export const sgtmTrainInput = z.object({
  method: z.enum(SGTM_METHODS).default('sgtm'),
  /** Percentage of forget (cipher) data left unlabelled. */
  undiscovered: z.number().min(0, 'the undiscovered rate is a percentage in [0, 100]').max(100, 'the undiscovered rate is a percentage in [0, 100]').default(10),
  steps: z.number().int().min(1).max(3000).default(200),
  /** Test windows per language for the result's losses. */
  evalWindows: z.number().int().min(1).max(2000).default(64),
});

export type VpsInput = z.infer<typeof vpsInput>;
export type VpsDiverseInput = z.infer<typeof vpsDiverseInput>;
export type SgtmTrainInput = z.infer<typeof sgtmTrainInput>;
export type QuantInput = z.infer<typeof quantInput>;

export const JOB_KINDS = ['vps', 'vps-diverse', 'quant', 'sgtm'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export const JOB_INPUTS = { vps: vpsInput, 'vps-diverse': vpsDiverseInput, quant: quantInput, sgtm: sgtmTrainInput } as const;

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
/** The statuses a job ends in. */
export const TERMINAL_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;
export const isTerminal = (s: string): boolean => (TERMINAL_STATUSES as readonly string[]).includes(s);
