/**
 * The pure part of the data layer, safe in a browser or Web Worker: idx codec, catalog, splits and
 * batches, augmentation, preprocessing. The Node-only loaders (node-source.ts, node-image.ts) are
 * deliberately not re-exported, so importing this never pulls in fs, zlib or fetch.
 */
export { IdxError, DataError, ImageError } from './errors.js';
export { decodeIdx, decodeImages, decodeLabels, encodeIdx, IDX_MAGIC_IMAGES, IDX_MAGIC_LABELS, type IdxArray } from './idx.js';
export {
  DATASETS,
  DATASET_NAMES,
  IDX_FILE_KEYS,
  IDX_FILE_NAMES,
  datasetOfChecksum,
  type DatasetInfo,
  type DatasetName,
  type IdxFileKey,
} from './catalog.js';
export {
  fillBatch,
  makeSplit,
  IMAGE_SIZE,
  MNIST_NORMALIZE,
  type BatchAugment,
  type Dataset,
  type Normalize,
  type Split,
} from './dataset.js';
export {
  affineFor,
  augmentImage,
  checkAugmentOptions,
  randomAffine,
  warpAffine,
  DEFAULT_AUGMENT,
  type Affine,
  type AugmentOptions,
} from './augment.js';
export { preprocessDigit, pixelsAsIs, rgbaToGray, type GrayImage, type GrayImage8, type PreprocessOptions, type Preprocessed } from './preprocess.js';
export { readDigits, readLines, readSegmentation, rescore, scoreWeightsFor, SCORE_WEIGHTS, type ReadResult, type ReadDigit, type ReadLine, type ReadOptions, type LineReading, type CandidateRead, type CandidateFeatures, type ScoreWeights } from './segment.js';
export { inkLines, atomsBox, cropAtoms, type Atom, type Box, type Line, type Segmentation, type Strip } from './ink-lines.js';
export { inkMap, grayUnit, type InkMap, type InkMapOptions } from './binarize.js';
export { numberPage, numberPages, type NumberPage, type NumberPageOptions, type NumberSource, type RgbaImage } from './number-pages.js';
