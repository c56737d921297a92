/** Stable error codes shared by every gradloc package; the CLI prints `code: message`. */
export type ErrorCode =
  | 'BAD_INPUT'
  | 'BAD_MODEL'
  | 'UNSUPPORTED_OP'
  | 'SHAPE_MISMATCH'
  | 'DTYPE_MISMATCH'
  | 'UNKNOWN_TENSOR'
  | 'MODEL_NOT_FOUND'
  | 'FILE_NOT_FOUND'
  | 'RUNTIME_ERROR';

export class GradlocError extends Error {
  override readonly name = 'GradlocError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const fail = (code: ErrorCode, message: string): never => {
  throw new GradlocError(code, message);
};

/** The first line of an error's message (onnxruntime and sharp append multi-line detail). */
export const firstLine = (e: unknown): string => String((e as Error)?.message ?? e).split('\n')[0].trim();

/**
 * onnxruntime's error text without the C++ source location and function signature it puts
 * before the reason ("...Load model from m.onnx failed:/onnxruntime_src/onnxruntime/core/
 * graph/model.cc:191 onnxruntime::Model::Model(onnx::ModelProto&&, ...) Unknown model file
 * format version."): the reason is what a user can act on. First line only.
 */
export function ortMessage(e: unknown): string {
  let m = String((e as Error)?.message ?? e);
  for (let at = m.search(/\/?onnxruntime_src\/\S+:\d+ /); at >= 0; at = m.search(/\/?onnxruntime_src\/\S+:\d+ /)) {
    const name = m.indexOf(' ', at) + 1;
    const open = m.indexOf('(', name);
    let end = name;
    // "[return type] ns::function(" - a qualified name, at most a couple of words
    const head = open >= 0 ? m.slice(name, open) : '';
    if (head.includes('::') && head.split(' ').length <= 3) {
      // the signature's parameter list, balanced (it holds template brackets and nested parens)
      let depth = 0;
      for (end = open; end < m.length; end++) {
        if (m[end] === '(') depth++;
        else if (m[end] === ')' && --depth === 0) break;
      }
      end = m.slice(end + 1).match(/^(\s*const\b)?\s*/)![0].length + end + 1;
    }
    m = `${m.slice(0, at).replace(/\s+$/, '')} ${m.slice(end)}`;
  }
  return firstLine(m).replace(/\s+/g, ' ') || firstLine(e);
}
