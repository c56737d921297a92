/**
 * OpenCV (the @techstark/opencv-js WebAssembly build) loaded once, lazily: about 0.4 s and
 * 10 MB the first time a pose is solved, nothing for users who never call PnP. The module is
 * an Emscripten object that is ready once `onRuntimeInitialized` fires. It is also a thenable
 * resolving to itself, so a promise resolved with it never settles (the promise adopts it
 * again and again): its `then` is removed before it is handed out.
 */
import { createRequire } from 'node:module';
import { GradlocError } from '@gradloc/tensor-backend';

/** The part of OpenCV's API this package uses. */
export interface CvMat {
  readonly data64F: Float64Array;
  delete(): void;
}

export interface OpenCv {
  readonly CV_64F: number;
  readonly SOLVEPNP_AP3P: number;
  readonly SOLVEPNP_ITERATIVE: number;
  Mat: new () => CvMat;
  matFromArray(rows: number, cols: number, type: number, data: ArrayLike<number>): CvMat;
  solvePnP(object: CvMat, image: CvMat, camera: CvMat, dist: CvMat, rvec: CvMat, tvec: CvMat, useGuess: boolean, flags: number): boolean;
}

interface Loading {
  Mat?: unknown;
  then?: unknown;
  onRuntimeInitialized?: () => void;
}

let loaded: Promise<OpenCv> | undefined;

export function openCv(): Promise<OpenCv> {
  loaded ??= new Promise<OpenCv>((resolve, reject) => {
    try {
      const cv = createRequire(import.meta.url)('@techstark/opencv-js') as Loading;
      const ready = (): void => {
        delete cv.then;
        resolve(cv as unknown as OpenCv);
      };
      if (cv.Mat) ready();
      else cv.onRuntimeInitialized = ready;
    } catch (e) {
      reject(new GradlocError('RUNTIME_ERROR', `could not load OpenCV (@techstark/opencv-js): ${(e as Error).message}`));
    }
  });
  return loaded;
}
