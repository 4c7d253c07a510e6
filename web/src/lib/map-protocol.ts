/**
 * The messages between the Map view (map-client.ts) and its worker (map-worker.ts, running
 * map-jobs.ts), and the settings both sides agree on. Every request carries an id; every answer
 * names it. Types and constants only.
 */
import type { ModelInfo } from '../../../src/server/api-types.js';
import type { DigitSet } from './looks-for-digits.js';

export const MAP_METHODS = ['pca', 'umap'] as const;
export type MapMethod = (typeof MAP_METHODS)[number];

/** How many MNIST test digits the map can show (the first ones of the split); the first is the default. */
export const MAP_COUNTS = [2000, 5000, 10000] as const;
/** Without MNIST: this many synthetic digits (about 3 s to write, in the worker). */
export const SYNTHETIC_MAP_DIGITS = 2000;
/** The layer picker's value for the 28×28 pixels themselves, before any layer. */
export const INPUT_LAYER = 'input';

/** Digits per forward batch: a unit of work between messages. */
export const MAP_CHUNK = 250;
/**
 * PCA is fitted on the first digits, at most PCA_FIT_DIGITS of them and at most PCA_FIT_VALUES values
 * in all (rows × features), then every digit is projected on its axes: 2,000 digits for layers up to
 * 2,000 wide, LeNet's conv1 (11,520 values a digit) on the first 347. Fitting costs rows × features ×
 * iterations; 2,000 random digits pin the two main axes down as well as 10,000 do, at a fifth of the cost.
 */
export const PCA_FIT_DIGITS = 2000;
export const PCA_FIT_VALUES = 4_000_000;
/** Subspace iterations: 30 give the axes of 100 to 0.2% (LeNet relu1, 2,000 digits), in a third of the time. */
export const PCA_ITERATIONS = 30;
export const UMAP_SEED = 1;
/**
 * UMAP runs on the activations themselves up to this many features; wider layers first go through a
 * seeded sparse random projection to UMAP_DIMS features, which keeps distances roughly (map-space.ts).
 */
export const UMAP_MAX_FEATURES = 1024;
export const UMAP_DIMS = 256;
/** On a UMAP map the drawn digit goes to the mean position of its nearest digits in activation space. */
export const PLACE_NEIGHBOURS = 10;

/** A layer's PCA map and everything drawn beside it. */
export interface PcaMap {
  layer: string;
  /** −1: the input pixels */
  layerIndex: number;
  /** features per digit */
  F: number;
  /** digits on the map */
  N: number;
  /** the first fitN digits fitted the axes and the class distances */
  fitN: number;
  /** [N×2] each digit's coordinates on the first two principal axes */
  points: Float32Array;
  /** [F] the mean subtracted before projecting */
  mean: Float32Array;
  /** [2×F] the two unit axes */
  components: Float32Array;
  /** the fraction of the variance along each axis */
  explained: [number, number];
  /** the class centroid distances (src/explain/class-geometry.ts), [K×K] each */
  euclidean: Float64Array;
  cosine: Float64Array;
  K: number;
  /** [N] the model's answer for each digit */
  predicted: Uint8Array;
  ms: { activations: number; pca: number; total: number };
}

export interface UmapMap {
  /** [N×2] */
  points: Float32Array;
  /** the features UMAP ran on: F, or UMAP_DIMS after the random projection */
  D: number;
  F: number;
  ms: { activations: number; umap: number; total: number };
}

export interface MapTarget {
  model: ModelInfo;
  /** a layer name, or INPUT_LAYER */
  layer: string;
  /** how many digits were asked for */
  count: number;
}

export type MapRequest = ({ type: 'pca' } | { type: 'umap' }) & MapTarget & { id: number };

export type ToMapWorker =
  | MapRequest
  /** where the drawn digit's activation (at target.layer) lies on that layer's UMAP map */
  | ({ type: 'place'; id: number; activation: Float32Array } & MapTarget)
  /** drop a request (a step already running still answers) */
  | { type: 'cancel'; id: number };

export type FromMapWorker =
  | { type: 'digits'; count: number; set: DigitSet }
  | { type: 'digits-progress'; count: number; done: number; total: number }
  /** total 0: no count to show (one long step) */
  | { type: 'progress'; id: number; stage: string; done: number; total: number }
  | { type: 'pca'; id: number; map: PcaMap }
  | { type: 'umap'; id: number; map: UmapMap }
  /** missing: the worker no longer holds that map's space (ask for the UMAP map again) */
  | { type: 'placed'; id: number; x: number; y: number; nearest: Int32Array; exact: boolean; missing: boolean }
  | { type: 'done'; id: number; ms: number }
  | { type: 'engine'; label: string; inWorker: boolean }
  | { type: 'error'; id: number | null; message: string };

/** The cache key of one map: model, layer and digit count. */
export function mapKey(modelKey: string, layer: string, count: number): string {
  return `${modelKey}|${layer}|${count}`;
}
