/**
 * The latency log the end-to-end tests and the README numbers read (window.__convscope): one
 * sample per animation frame that redrew the views. Inference itself is the library's predict()
 * (src/nn/predict.ts), the same the CLI and the server call.
 */

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
    __convscope?: { samples: LatencySample[]; ready: boolean; engine?: string; offline?: string[] };
  }
}

export function latencyLog(): { samples: LatencySample[]; ready: boolean; engine?: string; offline?: string[] } {
  window.__convscope ??= { samples: [], ready: false };
  return window.__convscope;
}

export function recordLatency(s: LatencySample): void {
  const log = latencyLog();
  log.samples.push(s);
  if (log.samples.length > 2000) log.samples.splice(0, 1000);
}
