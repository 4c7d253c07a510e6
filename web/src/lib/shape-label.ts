/**
 * Layer shapes written the way the explorer shows them: H×W×C, as a picture is described, rather
 * than the engine's NCHW. Where a unit looks in the input is src/explain/receptive-field.ts.
 */

/** [C,H,W] → "24×24×20", [F] → "500". */
export function shapeLabel(shape: readonly number[]): string {
  if (shape.length === 3) return `${shape[1]}×${shape[2]}×${shape[0]}`;
  return shape.join('×');
}
