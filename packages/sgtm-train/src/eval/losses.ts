/**
 * Held-out losses of a causal LM graph on the two domains: @gradloc/models' domainLossesOf
 * (the function the model cards and `evaluateModel` use) over a session of the graph.
 */
import { OnnxModel, type Graph, type RuntimeOptions, type Tensor } from '@gradloc/tensor-backend';
import { domainLossesOf, type DomainLossOptions, type DomainLosses, type DomainStreams } from '@gradloc/models';

export type { DomainLosses } from '@gradloc/models';

export interface LossOptions extends DomainLossOptions {
  readonly runtime?: RuntimeOptions;
}

export async function domainLosses(model: Graph, test: DomainStreams, opts: LossOptions): Promise<DomainLosses> {
  const session = OnnxModel.fromGraph(model, opts.runtime ?? {});
  try {
    return await domainLossesOf(async (b): Promise<Tensor> => (await session.run({ input_ids: b.inputIds }, ['logits'])).logits, test, opts);
  } finally {
    await session.release();
  }
}
