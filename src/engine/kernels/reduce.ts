/**
 * Reference reductions. sumSquares is the training loop's divergence check: one pass over a
 * parameter or gradient array whose result is finite exactly when every value is. It does not
 * locate the bad value; the caller looks only once the sum says there is one.
 */

/**
 * Σ x[i]² in double precision. Finite if and only if every x[i] is: NaN and ±∞ propagate, and
 * float32's largest square (~1.2e77) leaves room to add up far more values than any array holds,
 * so finite values never overflow it. The order of additions is this loop's; the fast kernels
 * add in another order, so the two agree to rounding, and exactly on whether the sum is finite.
 */
export function sumSquaresReference(x: Float32Array): number {
  let s = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) s += x[i]! * x[i]!;
  return s;
}
