/**
 * `--feed NAME=FILE.npy` parsing and loading. NumPy defaults to float64 and int64 while
 * models mostly take float32 and int64, so a few lossless-in-practice conversions are done
 * silently (see CONVERSIONS); anything else is a DTYPE_MISMATCH.
 */
import { GradlocError, readNpy, tensor, type DType, type OnnxModel, type Tensor } from '@gradloc/tensor-backend';

/** npy dtype -> model input dtypes it is converted to without complaint. */
export const CONVERSIONS: Readonly<Partial<Record<DType, readonly DType[]>>> = {
  float64: ['float32'],
  float32: ['float64'],
  int32: ['int64'],
};

export interface FeedSpec {
  readonly name: string;
  readonly path: string;
}

/**
 * Splits `NAME=PATH`. Input names may themselves contain '=', so the longest model input
 * name followed by '=' wins; otherwise the first '=' splits.
 */
export function parseFeedSpec(spec: string, inputNames: readonly string[]): FeedSpec {
  const known = inputNames.filter((n) => spec.startsWith(`${n}=`)).sort((a, b) => b.length - a.length)[0];
  const cut = known !== undefined ? known.length : spec.indexOf('=');
  if (cut <= 0 || cut === spec.length - 1) throw new GradlocError('BAD_INPUT', `--feed '${spec}' is not NAME=FILE.npy`);
  return { name: spec.slice(0, cut), path: spec.slice(cut + 1) };
}

/** Reads every --feed, checks names against the model's inputs and conforms dtypes. */
export function loadFeeds(model: OnnxModel, specs: readonly string[]): Record<string, Tensor> {
  const inputs = new Map(model.graph.inputs.map((i) => [i.name, i.dtype]));
  const feeds: Record<string, Tensor> = {};
  for (const s of specs) {
    const { name, path } = parseFeedSpec(s, [...inputs.keys()]);
    const want = inputs.get(name);
    if (want === undefined) throw new GradlocError('UNKNOWN_TENSOR', `--feed ${name}: the model has no input named '${name}' (inputs: ${[...inputs.keys()].join(', ')})`);
    if (feeds[name]) throw new GradlocError('BAD_INPUT', `--feed ${name} is given more than once`);
    feeds[name] = conform(readNpy(path), want, `--feed ${name} (${path})`);
  }
  const missing = [...inputs.keys()].filter((n) => !feeds[n]);
  if (missing.length) throw new GradlocError('BAD_INPUT', `missing --feed for model input${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}`);
  return feeds;
}

/** The tensor in the dtype the model wants, converting only along CONVERSIONS. */
export function conform(t: Tensor, want: DType, what: string): Tensor {
  if (t.dtype === want) return t;
  if (!CONVERSIONS[t.dtype]?.includes(want)) throw new GradlocError('DTYPE_MISMATCH', `${what} is ${t.dtype}, the model expects ${want}`);
  const out = tensor(want, t.dims);
  const big = want === 'int64';
  const dst = out.data as unknown as (number | bigint)[];
  for (let i = 0; i < t.data.length; i++) dst[i] = big ? BigInt(t.data[i] as number) : Number(t.data[i]);
  return out;
}
