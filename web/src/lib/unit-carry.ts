/**
 * The selected unit across a change of model, kept by meaning, never by position: the same layer
 * name of the same kind, with the unit's index inside the new layer. Otherwise the selection is
 * dropped (lenet's dense1:17 must not become tiny's pool2:17, a different kind of layer).
 */
import type { Sequential } from '../../../src/nn/model.js';
import type { UnitRef } from '../../../src/explain/unit.js';

export function carryUnit(from: Sequential, unit: UnitRef, to: Sequential): UnitRef | null {
  const old = from.layers[unit.layer];
  if (!old) return null;
  const layer = to.layers.findIndex((l) => l.name === old.name && l.kind === old.kind);
  if (layer < 0) return null;
  const shape = to.layers[layer].outShape;
  if (shape.length !== old.outShape.length) return null;
  const size = shape.reduce((a, b) => a * b, 1);
  return unit.index < size ? { layer, index: unit.index } : null;
}
