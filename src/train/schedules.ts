/**
 * Learning-rate schedules as pure functions of the step number, so resuming from a checkpoint
 * needs only the step count. Step sizes are given in epochs; the trainer converts.
 */
import { SpecError } from '../engine/errors.js';

export type ScheduleSpec =
  | { kind: 'constant' }
  | { kind: 'step'; everyEpochs: number; gamma: number }
  | { kind: 'cosine'; warmupEpochs?: number; minLr?: number }
  | { kind: 'onecycle'; pctStart?: number; divFactor?: number; finalDivFactor?: number };

export const SCHEDULE_NAMES = ['constant', 'step', 'cosine', 'onecycle'] as const;

/** The learning rate for `step` (0-based) of `totalSteps`, with `stepsPerEpoch` steps an epoch. */
export function learningRateAt(s: ScheduleSpec, baseLr: number, step: number, stepsPerEpoch: number, totalSteps: number): number {
  switch (s.kind) {
    case 'constant':
      return baseLr;
    case 'step':
      return baseLr * s.gamma ** Math.floor(step / (s.everyEpochs * stepsPerEpoch));
    case 'cosine': {
      const warm = Math.round((s.warmupEpochs ?? 0) * stepsPerEpoch);
      const minLr = s.minLr ?? 0;
      if (step < warm) return (baseLr * (step + 1)) / warm;
      const t = (step - warm) / Math.max(1, totalSteps - warm);
      return minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos(Math.PI * Math.min(1, t)));
    }
    case 'onecycle': {
      // PyTorch's OneCycleLR (cosine annealing): up from lr/div to lr, then down to lr/(div·finalDiv).
      const pct = s.pctStart ?? 0.25;
      const start = baseLr / (s.divFactor ?? 25);
      const end = start / (s.finalDivFactor ?? 1e4);
      const up = Math.max(1, Math.round(pct * totalSteps) - 1);
      const cos = (a: number, b: number, t: number) => b + 0.5 * (a - b) * (1 + Math.cos(Math.PI * Math.min(1, Math.max(0, t))));
      if (step <= up) return cos(start, baseLr, step / up);
      return cos(baseLr, end, (step - up) / Math.max(1, totalSteps - 1 - up));
    }
  }
}

/** Parses the CLI form: `constant`, `step:EVERY:GAMMA`, `cosine`, `onecycle`. */
export function parseSchedule(text: string): ScheduleSpec {
  const [kind, ...args] = text.split(':');
  switch (kind) {
    case 'constant':
      return { kind };
    case 'cosine':
      return args[0] !== undefined ? { kind, warmupEpochs: Number(args[0]) } : { kind };
    case 'onecycle':
      return { kind };
    case 'step': {
      const everyEpochs = Number(args[0] ?? 1);
      const gamma = Number(args[1] ?? 0.1);
      if (!(everyEpochs > 0) || !(gamma > 0)) throw new SpecError(`schedule '${text}': expected step:EVERY_EPOCHS:GAMMA with positive numbers`);
      return { kind, everyEpochs, gamma };
    }
    default:
      throw new SpecError(`unknown schedule '${text}'; expected one of ${SCHEDULE_NAMES.join(', ')} (step takes step:EVERY_EPOCHS:GAMMA)`);
  }
}
