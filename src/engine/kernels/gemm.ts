/**
 * Reference matrix multiply in plain TypeScript: readable, and the ground truth the fast
 * WebAssembly kernels are tested against. Loop orders keep the innermost loop on contiguous memory.
 *
 * Every product is computed, zeros included, as IEEE 754 and the fast kernels do: 0·∞ is NaN, so
 * a network whose activations overflowed shows NaN gradients on both kernels. (Skipping zero
 * multipliers, as this file once did, silently turned those into zeros on this path alone: a
 * diverged cnn then trained on with finite but meaningless 1e25 weights here and stopped with NaN
 * on the fast kernels.)
 */

export interface GemmDims {
  /** rows of op(A) and C */
  M: number;
  /** columns of op(B) and C */
  N: number;
  /** columns of op(A), rows of op(B) */
  K: number;
  /** A is stored [K,M] and used transposed */
  transA?: boolean;
  /** B is stored [N,K] and used transposed */
  transB?: boolean;
  /** add into C instead of overwriting it */
  accumulate?: boolean;
}

/** c[M,N] (+)= op(a) · op(b), with op(a)[M,K] and op(b)[K,N]; all row-major. */
export function gemmReference(c: Float32Array, a: Float32Array, b: Float32Array, dims: GemmDims): void {
  const { M, N, K } = dims;
  if (!dims.accumulate) c.fill(0, 0, M * N);
  if (!dims.transA && !dims.transB) {
    for (let i = 0; i < M; i++) {
      const ci = i * N;
      for (let k = 0; k < K; k++) {
        const aik = a[i * K + k];
        const bk = k * N;
        for (let j = 0; j < N; j++) c[ci + j] += aik * b[bk + j];
      }
    }
  } else if (!dims.transA && dims.transB) {
    for (let i = 0; i < M; i++) {
      const ai = i * K;
      for (let j = 0; j < N; j++) {
        const bj = j * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += a[ai + k] * b[bj + k];
        c[i * N + j] += s;
      }
    }
  } else if (dims.transA && !dims.transB) {
    for (let k = 0; k < K; k++) {
      const ak = k * M;
      const bk = k * N;
      for (let i = 0; i < M; i++) {
        const aki = a[ak + i];
        const ci = i * N;
        for (let j = 0; j < N; j++) c[ci + j] += aki * b[bk + j];
      }
    }
  } else {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[k * M + i] * b[j * K + k];
        c[i * N + j] += s;
      }
    }
  }
}
