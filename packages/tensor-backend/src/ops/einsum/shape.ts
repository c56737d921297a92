/** Shape of Einsum: the output subscripts' sizes, as the parser resolves them. */
import type { ShapeRule } from '../../shape/types.js';
import { parseEinsum } from './parse.js';

export const einsumShape: ShapeRule = {
  infer: (ctx) => {
    const ins = Array.from({ length: ctx.numInputs }, (_, i) => ctx.input(i));
    const spec = parseEinsum(ctx.attrs.string('equation'), ins.map((t) => t.dims), ctx.fail);
    return [{ dtype: ins[0].dtype, dims: spec.output.map((l) => spec.sizes[l]) }];
  },
};
