/**
 * Reference elementwise activations and their gradients, in plain TypeScript (double-precision
 * arithmetic, rounded to float32 on store). The fast kernels must agree with these: exactly for
 * relu, to a relative 1e-6 for sigmoid. Softmax, tanh and leaky relu stay in the layers.
 */

/** y[i] = max(x[i], 0); NaN and -0 give 0. */
export function reluForwardReference(y: Float32Array, x: Float32Array): void {
  const n = x.length;
  for (let i = 0; i < n; i++) y[i] = x[i]! > 0 ? x[i]! : 0;
}

/** dx[i] = dy[i] · [x[i] > 0] */
export function reluBackwardReference(dx: Float32Array, dy: Float32Array, x: Float32Array): void {
  const n = x.length;
  for (let i = 0; i < n; i++) dx[i] = x[i]! > 0 ? dy[i]! : 0;
}

/** y[i] = 1 / (1 + e^-x[i]) */
export function sigmoidForwardReference(y: Float32Array, x: Float32Array): void {
  const n = x.length;
  for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-x[i]!));
}

/** dx[i] = dy[i] · σ(x[i]) (1 − σ(x[i])), from the forward output y = σ(x). */
export function sigmoidBackwardReference(dx: Float32Array, dy: Float32Array, y: Float32Array): void {
  const n = y.length;
  for (let i = 0; i < n; i++) dx[i] = dy[i]! * y[i]! * (1 - y[i]!);
}
