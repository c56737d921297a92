/**
 * Transitional: the image helpers moved to @gradloc/tensor-backend (its image module). These
 * names keep the apps compiling until they import from there; removed in the same issue.
 */
export { COLORMAP_NAMES, decodeImage as decodeImageRGB, encodePNG, heatmapRGB, overlay, readImage as readImageRGB, resizeMap, resizeRGB, tileHorizontal, type ColormapName, type MapPlane, type RgbImage } from '@gradloc/tensor-backend';
