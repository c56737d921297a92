/** Transitional: planarFromRgb moved to @gradloc/tensor-backend's image module; removed in the same issue. */
export { planarFromRgb, type PlanarImage } from '@gradloc/tensor-backend';
