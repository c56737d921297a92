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
