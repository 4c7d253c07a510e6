/**
 * The training harness page: TrainClient on window for the e2e test and the measurements, and a
 * requestAnimationFrame loop that records every gap between frames (the page's responsiveness
 * while the worker trains).
 */
import { TrainClient } from '../../../web/src/lib/train-client.js';

declare global {
  interface Window {
    __trainHarness: { TrainClient: typeof TrainClient; gaps: number[]; isolated: boolean };
  }
}

const gaps: number[] = [];
let last = performance.now();
const tick = (t: number): void => {
  gaps.push(t - last);
  last = t;
  requestAnimationFrame(tick);
};
requestAnimationFrame(tick);

window.__trainHarness = { TrainClient, gaps, isolated: self.crossOriginIsolated };
