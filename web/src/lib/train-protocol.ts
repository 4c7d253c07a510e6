/**
 * The messages between the page (train-client.ts) and the training worker (train-worker.ts). The
 * worker owns the model being trained; the page gets events (src/train/session-protocol.ts) and,
 * when it asks, the model as model-file bytes (the CLI's codec, src/io/model-file.ts). Typed
 * arrays are transferred, not copied.
 */
import type { ModelSpec } from '../../../src/nn/spec.js';
import type { OptimizerSpec } from '../../../src/train/optimizers.js';
import type { ScheduleSpec } from '../../../src/train/schedules.js';
import type { AugmentSpec } from '../../../src/train/trainer.js';
import type { SessionCadence, SessionEvent } from '../../../src/train/session-protocol.js';
import type { RunLog } from '../../../src/train/run-log.js';

export type { SessionCadence, SessionEvent, SessionState, SessionPosition, ConvWeights } from '../../../src/train/session-protocol.js';
export type { RunLog, RunTrainPoint, RunTestPoint, RunEpoch } from '../../../src/train/run-log.js';

/** What to train: a zoo network from scratch, any architecture spec, or a model file's network and weights (fine-tuning). */
export type TrainModelSource =
  | { kind: 'zoo'; name: string }
  | { kind: 'spec'; spec: ModelSpec; name?: string }
  | { kind: 'file'; bytes: Uint8Array; name?: string };

/** The served data sets (GET /api/data/...). */
export type ServedDataset = 'mnist' | 'fashion';

/** Drawn digits: n images of 28×28 bytes (0..255, ink bright on black, row-major) and n labels. */
export interface DrawnDigits {
  images: Uint8Array;
  labels: Uint8Array;
}

export type TrainData =
  | { kind: 'served'; dataset: ServedDataset; /** train on the first N training images only */ limit?: number }
  | {
      kind: 'drawn';
      digits: DrawnDigits;
      /**
       * Also train on this many images of a served set (so fine-tuning does not forget it); the
       * drawn digits are then repeated to make up at least a tenth of each epoch. Absent: drawn only.
       */
      mix?: { dataset: ServedDataset; images: number };
      /** test on these (e.g. held-out drawn digits); absent: the served set's test split when mixed, else the drawn digits themselves */
      test?: DrawnDigits;
    };

/** Everything a run needs; missing optional fields take a value: trainDefaults() in train-settings.ts gives the recipe fields. */
export interface TrainSettings {
  model: TrainModelSource;
  data: TrainData;
  optimizer: OptimizerSpec;
  lr: number;
  schedule: ScheduleSpec;
  batchSize: number;
  epochs: number;
  /** false, true (the data's default distortions) or explicit limits */
  augment: boolean | AugmentSpec;
  /** weights (for zoo/spec models), order, augmentation and dropout all follow from it: same seed, same run */
  seed: number;
  cadence?: Partial<SessionCadence>;
  /** 'auto': WebAssembly SIMD (threads when the page is cross-origin isolated), else the reference; 'ts': the reference always */
  kernels?: 'auto' | 'ts';
  /** threads the kernels train on when the page is isolated (default: one less than the cores, at least 1, so the page keeps a core) */
  threads?: number;
  /** start paused before the first batch (then step() or resume()) */
  startPaused?: boolean;
}

/** Page → worker. */
export type TrainRequest =
  | { kind: 'start'; settings: TrainSettings }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'step' }
  | { kind: 'stop' }
  | { kind: 'snapshot'; id: number }
  | { kind: 'log'; id: number };

/** Where a run's data is coming from, as it loads. */
export interface DataLoading {
  /** e.g. 'train-images' */
  file: string;
  loaded: number;
  /** bytes, when the server said */
  total: number | null;
}

/** Worker → page: the session's events plus what only the worker knows. */
export type TrainReply =
  | { kind: 'event'; event: SessionEvent }
  /** which kernels the run uses, e.g. 'WebAssembly SIMD, 2 threads' or 'TypeScript reference', and why not faster */
  | { kind: 'engine'; label: string; fallback: string | null }
  | { kind: 'loading'; progress: DataLoading }
  /** the run's data is ready: how many training and test examples */
  | { kind: 'data'; train: number; test: number; name: string }
  | { kind: 'snapshot'; id: number; bytes: Uint8Array; step: number }
  | { kind: 'log'; id: number; log: RunLog }
  /** a request failed (bad settings, data missing, snapshot before a run) without a run to report it */
  | { kind: 'failed'; id: number | null; message: string };
