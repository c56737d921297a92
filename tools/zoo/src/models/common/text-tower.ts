/**
 * The small text encoder the grounder and the dual encoder share: token + position
 * embeddings, pre-LN transformer blocks with a key padding mask (pad id 0), and a masked
 * mean pool, projected to the joint embedding width and L2-normalised.
 */
import { attention, layerNorm, linear, mlp, tensor, type Net } from '@gradloc/tensor-backend';

export interface TextTowerConfig {
  readonly vocab: number;
  /** Token length of a phrase (padded with id 0). */
  readonly maxLen: number;
  readonly textDim: number;
  readonly textDepth: number;
  readonly textHeads: number;
  /** Width of the joint embedding. */
  readonly embed: number;
}

/** ids [Q, L] int64 -> L2-normalised phrase embeddings [Q, embed]. */
export function textTower(net: Net, ids: string, cfg: TextTowerConfig, prefix = 'text.'): string {
  const { b, emit } = net;
  const real = b.op('Cast', [b.op('Greater', [ids, b.constant(tensor('int64', [], [0]))])], { to: 1 }); // [Q, L]
  const keyMask = emit.unsqueeze(b.op('Cast', [real], { to: 9 }), [1, 2]); // [Q, 1, 1, L] bool
  const tok = net.op('Gather', [net.normal(`${prefix}tok_emb.weight`, [cfg.vocab, cfg.textDim], 0.5), ids], { axis: 0 });
  let t = net.op('Add', [tok, net.normal(`${prefix}pos_emb`, [cfg.maxLen, cfg.textDim], 0.1)], {}, `${prefix}embeddings`);
  const d = cfg.textDim;
  const gain = 1 / Math.sqrt(2 * cfg.textDepth);
  for (let i = 0; i < cfg.textDepth; i++) {
    const p = `${prefix}blocks.${i}`;
    const h = layerNorm(net, t, `${p}.norm1`, d, 'op', 1e-5);
    const [q, k, v] = ['q', 'k', 'v'].map((n) => linear(net, h, `${p}.attn.${n}`, { din: d, dout: d }));
    const a = attention(net, q, k, v, { heads: cfg.textHeads, dim: d, mask: keyMask });
    t = net.op('Add', [t, linear(net, a, `${p}.attn.proj`, { din: d, dout: d, gain })]);
    const m = mlp(net, layerNorm(net, t, `${p}.norm2`, d, 'op', 1e-5), { fc1: `${p}.mlp.fc1`, fc2: `${p}.mlp.fc2` }, d, 2 * d, 'erf', gain);
    t = net.op('Add', [t, m], {}, p);
  }
  t = layerNorm(net, t, `${prefix}norm`, d, 'op', 1e-5);
  const summed = emit.reduceSum(net.op('Mul', [t, emit.unsqueeze(real, [2])]), [1], false); // [Q, d]
  const pooled = net.op('Div', [summed, emit.reduceSum(real, [1], true)], {}, `${prefix}pooled`);
  return l2normalize(net, linear(net, pooled, `${prefix}proj`, { din: d, dout: cfg.embed }));
}

/** x / ||x|| over the last axis (with a floor so all-zero rows stay finite). */
export function l2normalize(net: Net, x: string): string {
  const sq = net.emit.reduce('ReduceSum', net.op('Mul', [x, x]), [-1], true);
  return net.op('Div', [x, net.op('Sqrt', [net.op('Add', [sq, net.scalar(1e-6)])])]);
}
