/**
 * Client-side views of the server's types. Only types cross over (erased at build time), so the
 * pages stay in step with the routers without bundling any server code.
 */
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter, JobView, QuantResult, SgtmResult, VpsDiverseResult, VpsResult } from '@gradloc/dashboard/server';

export type { JobView, QuantResult, SgtmResult, VpsDiverseResult, VpsResult };
export type Outputs = inferRouterOutputs<AppRouter>;
export type ModelSummary = Outputs['models']['list'][number];
export type Detection = Outputs['grounding']['detect']['detections'][number];
export type CompareResult = Outputs['explain']['compare'];
export type ListedJob = Outputs['jobs']['list'][number];
export type MethodName = Outputs['explain']['methods'][number];

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
export const isTerminal = (status: string): boolean => TERMINAL.has(status);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * jobs.list / jobs.get type results as `unknown` (they are stored JSON). The job's kind says
 * which runner wrote it; the field checks guard against rows from an older result format.
 */
export function quantResultOf(job: { kind: string; result?: unknown }): QuantResult | null {
  const r = job.result;
  return job.kind === 'quant' && isRecord(r) && typeof r.ppl === 'number' && typeof r.bitsPerWeight === 'number' ? (r as unknown as QuantResult) : null;
}

export function vpsResultOf(job: { kind: string; result?: unknown }): VpsResult | null {
  const r = job.result;
  return job.kind === 'vps' && isRecord(r) && typeof r.overlay === 'string' && typeof r.insertionAuc === 'number' ? (r as unknown as VpsResult) : null;
}

export function vpsDiverseResultOf(job: { kind: string; result?: unknown }): VpsDiverseResult | null {
  const r = job.result;
  return job.kind === 'vps-diverse' && isRecord(r) && Array.isArray(r.explanations) && typeof r.diversity === 'number' ? (r as unknown as VpsDiverseResult) : null;
}

export type SgtmResults = NonNullable<Outputs['sgtm']['results']>;

export function sgtmResultOf(job: { kind: string; result?: unknown }): SgtmResult | null {
  const r = job.result;
  return job.kind === 'sgtm' && isRecord(r) && isRecord(r.full) && isRecord(r.files) ? (r as unknown as SgtmResult) : null;
}
