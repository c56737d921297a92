/** Gradients of element-wise arithmetic. Binary rules undo broadcasting with ctx.unbroadcast. */
import { ONNX_CODE } from '../../tensor/dtype.js';
import { defineGrad } from '../registry.js';

defineGrad('Identity', (ctx) => [ctx.dy[0]]);

defineGrad('Add', (ctx) => {
  const dy = ctx.dy[0]!;
  const out = ctx.yDims(0);
  return [ctx.needs[0] ? ctx.unbroadcast(dy, out, ctx.xDims(0)) : null, ctx.needs[1] ? ctx.unbroadcast(dy, out, ctx.xDims(1)) : null];
});

defineGrad('Sub', (ctx) => {
  const dy = ctx.dy[0]!;
  const out = ctx.yDims(0);
  return [
    ctx.needs[0] ? ctx.unbroadcast(dy, out, ctx.xDims(0)) : null,
    ctx.needs[1] ? ctx.unbroadcast(ctx.b.op('Neg', [dy]), out, ctx.xDims(1)) : null,
  ];
});

defineGrad('Mul', (ctx) => {
  const { b, x } = ctx;
  const dy = ctx.dy[0]!;
  const out = ctx.yDims(0);
  return [
    ctx.needs[0] ? ctx.unbroadcast(b.op('Mul', [dy, x[1]]), out, ctx.xDims(0)) : null,
    ctx.needs[1] ? ctx.unbroadcast(b.op('Mul', [dy, x[0]]), out, ctx.xDims(1)) : null,
  ];
});

defineGrad('Relu', (ctx) => {
  // mask = (x > 0) as float; Greater + Cast + Mul is faster than Where on large tensors
  const { b } = ctx;
  const mask = b.op('Cast', [b.op('Greater', [ctx.x[0], ctx.scalar(0)])], { to: ONNX_CODE[ctx.dtype] });
  return [b.op('Mul', [ctx.dy[0]!, mask])];
});
