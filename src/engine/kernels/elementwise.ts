/**
 * Reference elementwise activations and their gradients, in plain TypeScript (double-precision
 * arithmetic, rounded to float32 on store). The fast kernels must agree with these: exactly for
 * relu, standardize and scaleBytes, to a relative 1e-6 for sigmoid. Softmax, tanh and leaky relu stay in the layers.
 */

/**
 * y[i] = (x[i] − mean) · (1/std), in double precision, rounded once to float32: the model's input
 * standardisation. The fast kernels compute it in double too, so both give the same bits.
 */
export function standardizeReference(y: Float32Array, x: Float32Array, mean: number, std: number): void {
  const inv = 1 / std;
  const n = x.length;
  for (let i = 0; i < n; i++) y[i] = (x[i]! - mean) * inv;
}

/** y[i] = bytes[i]·scale + shift in double precision, rounded once: byte pixels to floats. */
export function scaleBytesReference(y: Float32Array, bytes: Uint8Array, scale: number, shift: number): void {
  // through a table: 256 values computed once, the same bits as the arithmetic per pixel
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = v * scale + shift;
  const n = bytes.length;
  for (let i = 0; i < n; i++) y[i] = table[bytes[i]!]!;
}

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
