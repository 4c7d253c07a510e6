/**
 * Weight initialisers. fanIn/fanOut follow PyTorch: for conv weights [outC,C,kH,kW],
 * fanIn = C·kH·kW and fanOut = outC·kH·kW.
 */
import type { Rng } from '../engine/rng.js';
import type { InitName } from './spec.js';

export function initWeights(w: Float32Array, init: InitName, fanIn: number, fanOut: number, rng: Rng): void {
  switch (init) {
    case 'he': {
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < w.length; i++) w[i] = rng.normal() * std;
      return;
    }
    case 'lecun': {
      const std = Math.sqrt(1 / fanIn);
      for (let i = 0; i < w.length; i++) w[i] = rng.normal() * std;
      return;
    }
    case 'glorot': {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < w.length; i++) w[i] = rng.uniform(-limit, limit);
      return;
    }
    case 'uniform': {
      // PyTorch's default for Linear and Conv2d: U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
      const limit = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < w.length; i++) w[i] = rng.uniform(-limit, limit);
      return;
    }
    case 'zeros':
      w.fill(0);
      return;
  }
}
