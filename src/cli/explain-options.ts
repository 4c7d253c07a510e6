/**
 * Option parsers and checks the explanation commands share (explain, dream, attack, fool): a class
 * checked against the model, ε in pixel units, lists of them. Parsers fail at the door with the
 * flag's name and the value; checks that need the model run right after it loads, before any work.
 */
import { InvalidArgumentError } from 'commander';
import { SpecError } from '../engine/errors.js';
import type { Sequential } from '../nn/model.js';
import { classCount, layerIndex } from '../explain/score.js';

/** One ε in 0..1 (pixel units). */
export function epsOption(name: string): (v: string) => number {
  return (v) => parseEps(name, v);
}

/** ε values separated by commas, each in 0..1. */
export function epsListOption(name: string): (v: string) => number[] {
  return (v) => v.split(',').map((s) => parseEps(name, s));
}

function parseEps(name: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`${name} must be in 0..1 (pixel units), got '${v}'`);
  return n;
}

/** A class of the model: 0..K−1. */
export function checkClass(model: Sequential, modelName: string, flag: string, value: number): void {
  const K = classCount(model);
  if (!(Number.isInteger(value) && value >= 0 && value < K)) throw new SpecError(`${flag} ${value} is not a class of ${modelName}: its classes are 0..${K - 1}`);
}

/** The layer's index; an unknown name lists the layers there are. */
export function checkLayer(model: Sequential, flag: string, name: string): number {
  try {
    return layerIndex(model, name);
  } catch (e) {
    throw new SpecError(`${flag}: ${(e as Error).message}`);
  }
}
