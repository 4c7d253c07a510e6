/**
 * Splits a TrainState into what a model file can hold — JSON metadata and named Float32 tensors —
 * and puts it back together, checking the JSON part since it comes from a file.
 */
import { SpecError } from '../engine/errors.js';
import type { EpochStats, Recipe, TrainState } from './trainer.js';
import type { LossWatch } from './divergence.js';

export interface CheckpointMeta {
  recipe: Recipe;
  epoch: number;
  batch: number;
  step: number;
  rng: { words: [number, number, number, number]; spare: number | null };
  optimizerSteps: number;
  history: EpochStats[];
  epochLoss: number;
  epochCorrect: number;
  epochSeen: number;
  epochSeconds: number;
  /** absent in checkpoints written before the divergence check: the resumed run starts watching afresh */
  lossWatch?: LossWatch;
}

const OPT = 'optimizer.';

export function checkpointParts(state: TrainState, recipe: Recipe): { meta: CheckpointMeta; extras: Record<string, Float32Array> } {
  const extras: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(state.optimizer.tensors)) extras[OPT + k] = v;
  const { epoch, batch, step, history, epochLoss, epochCorrect, epochSeen, epochSeconds } = state;
  return {
    meta: {
      recipe, epoch, batch, step, history, epochLoss, epochCorrect, epochSeen, epochSeconds,
      lossWatch: { ...state.lossWatch },
      rng: { words: [...state.rng.words] as [number, number, number, number], spare: state.rng.spare },
      optimizerSteps: state.optimizer.steps,
    },
    extras,
  };
}

export function stateFromCheckpoint(meta: unknown, extras: Record<string, Float32Array>, file: string): { state: TrainState; recipe: Recipe } {
  const m = meta as Partial<CheckpointMeta> | undefined;
  const ints = ['epoch', 'batch', 'step', 'optimizerSteps', 'epochCorrect', 'epochSeen'] as const;
  if (!m || typeof m !== 'object' || !m.recipe || !m.rng || !Array.isArray(m.history) || ints.some((k) => !Number.isInteger(m[k]) || (m[k] as number) < 0)) {
    throw new SpecError(`${file}: not a training checkpoint (its 'checkpoint' metadata is missing or incomplete); pass a file written when training was interrupted`);
  }
  if (!Array.isArray(m.rng.words) || m.rng.words.length !== 4 || !m.rng.words.every((w) => Number.isInteger(w))) {
    throw new SpecError(`${file}: checkpoint rng state must be four 32-bit words`);
  }
  const w = m.lossWatch;
  if (w !== undefined && (typeof w !== 'object' || w === null || !(w.startLoss === null || (typeof w.startLoss === 'number' && Number.isFinite(w.startLoss))) || !Number.isInteger(w.above) || w.above < 0)) {
    throw new SpecError(`${file}: checkpoint 'lossWatch' must be { startLoss: a finite number or null, above: a count }, got ${JSON.stringify(w)}`);
  }
  const tensors: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(extras)) if (k.startsWith(OPT)) tensors[k.slice(OPT.length)] = v;
  return {
    recipe: m.recipe,
    state: {
      epoch: m.epoch as number,
      batch: m.batch as number,
      step: m.step as number,
      rng: { words: m.rng.words, spare: m.rng.spare ?? null },
      optimizer: { steps: m.optimizerSteps as number, tensors },
      history: m.history,
      epochLoss: Number(m.epochLoss ?? 0),
      epochCorrect: m.epochCorrect as number,
      epochSeen: m.epochSeen as number,
      epochSeconds: Number(m.epochSeconds ?? 0),
      lossWatch: w ? { startLoss: w.startLoss, above: w.above } : { startLoss: null, above: 0 },
    },
  };
}
