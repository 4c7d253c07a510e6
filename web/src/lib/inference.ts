/**
 * One forward pass for the explorer: the 28×28 input through the cached model, keeping the whole
 * trace (every view draws from it) and the class probabilities the prediction shows. Also the
 * latency log the end-to-end tests and the README numbers read (window.__convscope).
 */
import { Tensor } from '../../../src/engine/tensor.js';
import { toProbabilities, type ForwardResult, type Sequential } from '../../../src/nn/model.js';

export interface Inference {
  trace: ForwardResult;
  probs: Float32Array;
  predicted: number;
}

export function infer(model: Sequential, pixels: Float32Array): Inference {
  const trace = model.forward(new Tensor([1, 1, 28, 28], pixels.slice()));
  const probs = toProbabilities(trace.output, model.layers[model.layers.length - 1].kind).data;
  let predicted = 0;
  for (let j = 1; j < probs.length; j++) if (probs[j] > probs[predicted]) predicted = j;
  return { trace, probs, predicted };
}

export interface LatencySample {
  model: string;
  /** from the pointer event to the animation frame that handled it */
  waitMs: number;
  /** preprocessing, the forward pass and redrawing the prediction and every view */
  computeMs: number;
  /** event to updated views: waitMs + computeMs */
  totalMs: number;
  /** which views were on screen */
  view: string;
}

declare global {
  interface Window {
    __convscope?: { samples: LatencySample[]; ready: boolean; engine?: string };
  }
}

export function latencyLog(): { samples: LatencySample[]; ready: boolean; engine?: string } {
  window.__convscope ??= { samples: [], ready: false };
  return window.__convscope;
}

export function recordLatency(s: LatencySample): void {
  const log = latencyLog();
  log.samples.push(s);
  if (log.samples.length > 2000) log.samples.splice(0, 1000);
}
