/**
 * The messages between the "What it looks for" panel (looks-for-client.ts) and its worker
 * (looks-for-worker.ts), and the settings both sides agree on. Every request carries an id; every
 * answer names it. Types and constants only.
 */
import type { ModelInfo } from '../../../src/server/api-types.js';
import type { ExcitingExample } from '../../../src/explain/maximize.js';
import type { DigitSet } from './looks-for-digits.js';

/** Gradient-ascent steps and seed: `convscope dream`'s defaults, so the panel shows the CLI's images. */
export const DREAM_STEPS = 256;
export const DREAM_SEED = 0;
/** How many top digits per channel. */
export const TOP_K = 8;
/** Digits per forward batch when searching for the top ones (a unit of work between messages). */
export const SCAN_CHUNK = 250;

export type LooksForRequest =
  /** activation maximisation of these classes' logits */
  | { type: 'classes'; id: number; model: ModelInfo; targets: number[] }
  /** activation maximisation of one feature map's mean */
  | { type: 'channel'; id: number; model: ModelInfo; layer: string; channel: number }
  /** the top digits of every channel of a layer */
  | { type: 'examples'; id: number; model: ModelInfo; layer: string };

export type ToWorker =
  | LooksForRequest
  /** drop a request (a unit already running still answers) */
  | { type: 'cancel'; id: number }
  /** start loading the digit set */
  | { type: 'digits' };

export type FromWorker =
  | { type: 'class'; id: number; target: number; image: Float32Array; probabilities: Float32Array; score: number }
  | { type: 'channel'; id: number; image: Float32Array; probabilities: Float32Array; score: number }
  /** lists[c] = the top digits of channel c, strongest first (indices into the digit set) */
  | { type: 'examples'; id: number; lists: ExcitingExample[][] }
  | { type: 'progress'; id: number; done: number; total: number }
  /** the request is complete; ms = wall time from its first unit to its last */
  | { type: 'done'; id: number; ms: number }
  | { type: 'digits'; set: DigitSet }
  | { type: 'digits-progress'; done: number; total: number }
  /** the kernels the work runs on, e.g. "WebAssembly SIMD, 1 thread", and whether in a worker */
  | { type: 'engine'; label: string; inWorker: boolean }
  | { type: 'error'; id: number | null; message: string };
