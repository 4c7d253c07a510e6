/**
 * The JSON shapes of the server's API, shared by the server and the browser app (so this file
 * imports nothing from Node), and the seed both use for untrained stand-in models, so the app and
 * POST /api/predict show the same random network. It holds no logic.
 */
import type { ModelSpec } from '../nn/spec.js';
import type { OodMethod } from '../nn/ood.js';

/** Zoo models without a trained file are built from their spec with this seed and labelled untrained. */
export const UNTRAINED_SEED = 1;

export const DIGITS_MAX_LIMIT = 100;
export const DIGITS_DEFAULT_LIMIT = 24;

/** The kind of file a model's weights were read from: ONNX files are served converted to safetensors. */
export type ModelFileFormat = 'safetensors' | 'onnx';

export interface ModelInfo {
  name: string;
  title: string;
  /** true when weights come from a trained model file; false for the zoo spec with random weights */
  trained: boolean;
  /** URL of the model file (always safetensors, which the app decodes), or null when there is none */
  file: string | null;
  /** what the weights were read from, for trained models: 'onnx' when it is NAME.onnx (served converted at `file`) */
  fileFormat?: ModelFileFormat;
  /** fraction correct on the MNIST test set, from the file's metadata */
  testAccuracy: number | null;
  params: number;
  /** multiply-adds per image */
  macs: number;
  spec: ModelSpec;
  /** where the architecture comes from (zoo models) */
  source: string | null;
  /** the command that produced the file */
  command: string | null;
  /** why a model file present on disk could not be used (the model is then offered untrained) */
  error?: string;
}

export interface ModelsResponse {
  models: ModelInfo[];
  /** model files in the models directory that could not be used, and why */
  problems: { file: string; error: string }[];
}

export interface DigitItem {
  /** index in the split */
  index: number;
  label: number;
  /** 784 bytes (28×28, 0..255, row-major), base64 */
  pixels: string;
  /** the model's prediction, when a model was named */
  predicted?: number;
  /** the model's probability for its prediction */
  confidence?: number;
}

export interface DigitsResponse {
  split: 'test' | 'train';
  kind: 'all' | 'misclassified';
  model: string | null;
  offset: number;
  limit: number;
  /** number of matching digits, or null while a misclassified scan has not reached the end */
  total: number | null;
  /** how many digits of the split the model has classified so far (misclassified scans) */
  scanned: number;
  /** size of the split */
  splitSize: number;
  items: DigitItem[];
}

export interface PredictRequest {
  model: string;
  /** 784 values in 0..1 (28×28 row-major, ink = 1), already preprocessed */
  pixels: number[];
}

export interface PredictResponse {
  model: string;
  trained: boolean;
  predicted: number;
  probabilities: number[];
  /**
   * Whether the input is probably not a digit (its score above the threshold). Present only when
   * the model file carries a "not a digit" calibration; absent, not null, when it does not.
   */
  notDigit?: boolean;
  /** the score behind notDigit (higher: less like MNIST digits), with the threshold and method; present with notDigit */
  ood?: { score: number; threshold: number; method: OodMethod };
}

export interface ApiError {
  error: string;
  code: string;
  status: number;
}

/** The answer to POST /api/models: the stored model as /api/models lists it; created is false when the same file was already there. */
export interface UploadResponse {
  model: ModelInfo;
  created: boolean;
}

/** The idx files of a served data set, as named in GET /api/data/NAME/FILE. */
export type DataFileName = 'train-images' | 'train-labels' | 'test-images' | 'test-labels';

/** One data set in GET /api/data: where its files are, or why there are none and how to get them. */
export interface DataSetStatus {
  name: 'mnist' | 'fashion';
  title: string;
  classNames: string[];
  available: boolean;
  /** where the server found it: its --data directory, $CONVSCOPE_DATA, a system folder or the download cache */
  source?: 'dir' | 'env' | 'system' | 'cache' | 'download';
  /** each file's URL, size in bytes and whether it is gzipped (the page inflates it) */
  files?: Record<DataFileName, { url: string; bytes: number; gzip: boolean }>;
  /** why it is not available */
  reason?: string;
  /** what to do to make it available */
  howTo?: string;
}

export interface DataResponse {
  datasets: DataSetStatus[];
}
