/**
 * What a training session (session.ts) says while it runs, as plain data: every message here can
 * cross a postMessage boundary (typed arrays are transferable, nothing holds a function), so the
 * same events reach a test in Node, the Web Worker and the page. One owner of the model per
 * thread: the session's thread trains it; everyone else gets copies (weights, model-file bytes).
 */
import type { EpochStats } from './trainer.js';

/**
 * idle: made, not started · running: batches going · paused: between two batches, waiting ·
 * finished: every epoch done · stopped: stopped early (stop()) · failed: an error ended the run
 */
export type SessionState = 'idle' | 'running' | 'paused' | 'finished' | 'stopped' | 'failed';

/** How often the session reports, in batches (0 turns a report off). */
export interface SessionCadence {
  /** a 'progress' event every N batches (default 10) */
  progressEvery: number;
  /** a 'test' event on `testSubset` test images every N batches (default 0: per epoch only) */
  testEvery: number;
  /** how many test images the every-N-batches test uses (the first ones; default 1000) */
  testSubset: number;
  /** a 'weights' event every N batches (default 10) */
  weightsEvery: number;
  /** every conv layer's weights instead of the first conv layer's only (default false) */
  allConvWeights: boolean;
}

export const DEFAULT_CADENCE: Readonly<SessionCadence> = {
  progressEvery: 10,
  testEvery: 0,
  testSubset: 1000,
  weightsEvery: 10,
  allConvWeights: false,
};

/** Where the run is: the next batch to run and how many steps are done. */
export interface SessionPosition {
  /** optimizer steps done (batches trained) */
  step: number;
  /** 0-based epoch of the next batch */
  epoch: number;
  /** 0-based batch within that epoch */
  batch: number;
  totalSteps: number;
  stepsPerEpoch: number;
}

/** One conv layer's weights [outC, C, kH, kW] and bias [outC], copied at `step`. */
export interface ConvWeights {
  /** the layer's name in the model (e.g. "conv1") and its index in spec.layers */
  layer: string;
  index: number;
  shape: [number, number, number, number];
  weight: Float32Array;
  bias: Float32Array | null;
}

export type SessionEvent =
  | { type: 'state'; state: SessionState; position: SessionPosition }
  | {
      type: 'progress';
      step: number;
      /** epoch and 0-based batch of the last batch in the window */
      epoch: number;
      batch: number;
      /** mean training loss of the batches since the last progress event */
      loss: number;
      /** training accuracy (0..1) of the batches since the last progress event */
      accuracy: number;
      /** learning rate of the last batch */
      lr: number;
      /** training images per second since the last progress event (time paused or testing excluded) */
      imagesPerSecond: number;
      /** seconds of training so far (paused time excluded) */
      seconds: number;
    }
  | {
      type: 'test';
      step: number;
      epoch: number;
      /** 'epoch': the whole test set at the end of an epoch; 'subset': the every-N-batches check */
      scope: 'epoch' | 'subset';
      /** fraction correct, 0..1 */
      accuracy: number;
      loss: number;
      examples: number;
      /** confusion[true][predicted] = count */
      confusion: number[][];
    }
  | { type: 'epoch'; stats: Omit<EpochStats, 'testAccuracy'> & { testAccuracy: number | null } }
  | { type: 'weights'; step: number; layers: ConvWeights[] }
  | {
      type: 'error';
      /** 'divergence': the loss or weights stopped being finite (DivergenceError); 'settings': bad settings; 'internal': anything else */
      kind: 'divergence' | 'settings' | 'internal';
      message: string;
      step: number;
    };

export type SessionEventType = SessionEvent['type'];
