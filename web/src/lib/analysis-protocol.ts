/**
 * The messages between the Explain view and its analysis workers (analysis-worker.ts): the slow
 * attributions (integrated gradients, SmoothGrad, occlusion), adversarial attacks and fooling
 * images. Each request names the model (its ModelInfo: the worker decodes its own copy from the
 * same file) and carries an id; replies carry the id back, so the page shows only the newest.
 * Typed arrays are transferred, not copied.
 */
import type { ModelInfo } from '../../../src/server/api-types.js';
import type { AttackMethod } from '../../../src/explain/adversarial.js';

export type SlowMethod = 'integrated-gradients' | 'smoothgrad' | 'occlusion';
export const SLOW_METHODS: readonly SlowMethod[] = ['integrated-gradients', 'smoothgrad', 'occlusion'];
/** occlusion's window and stride in the explorer (the library's defaults) */
export const OCCLUSION_WINDOW = 4;
export const OCCLUSION_STRIDE = 2;

export type AnalysisRequest =
  /** the slow attribution maps of one input for one target class, in SLOW_METHODS order */
  | { kind: 'attributions'; id: number; info: ModelInfo; pixels: Float32Array; target: number }
  | { kind: 'attack'; id: number; info: ModelInfo; pixels: Float32Array; method: AttackMethod; eps: number; target: number }
  | { kind: 'fool'; id: number; info: ModelInfo; target: number };

/**
 * Integrated gradients' step counts, tried in turn until the completeness gap is under
 * IG_TOLERANCE: the plan and tolerance of the library's default (steps: 'auto'), run one count per
 * turn so the other maps need not wait while an unlikely class takes 1024 steps.
 */
export const IG_STEPS: readonly number[] = [32, 64, 128, 256, 512, 1024];
export const IG_TOLERANCE = 0.01;

export interface IgFacts {
  score: number;
  baselineScore: number;
  gap: number;
  steps: number;
  /** the gap is under IG_TOLERANCE, or the steps have run out: no finer map will come */
  final: boolean;
}

export type AnalysisReply =
  | { kind: 'engine'; label: string }
  | { kind: 'map'; id: number; method: SlowMethod; target: number; map: Float32Array; ms: number; ig?: IgFacts }
  /** occlusion windows as they are computed: [y, x, drop] triples, in sweep order */
  | { kind: 'windows'; id: number; target: number; windows: Float32Array }
  | {
      kind: 'attack';
      id: number;
      method: AttackMethod;
      eps: number;
      target: number;
      adversarial: Float32Array;
      perturbation: Float32Array;
      before: number;
      after: number;
      probabilities: Float32Array;
      ms: number;
    }
  | { kind: 'fool'; id: number; target: number; image: Float32Array; noise: Float32Array; eps: number; confidence: number; reached: boolean; method: 'gradient' | 'evolution'; ms: number }
  /** an attack or fooling request ended (after its last reply) */
  | { kind: 'done'; id: number }
  | { kind: 'error'; id: number; message: string };
