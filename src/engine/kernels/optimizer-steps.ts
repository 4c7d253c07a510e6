/**
 * Reference optimizer updates over one parameter array, with PyTorch's update rules (the
 * optimizers in src/train hold the state and the hyperparameters and call these through the
 * kernels). Arithmetic in double precision, rounded to float32 where a value is stored; the fast
 * kernels repeat it operation for operation, so both give the same bits.
 */

export interface SgdStep {
  lr: number;
  /** μ; 0 for plain SGD (then `v` is not used and may be null) */
  momentum: number;
  /** λ, the L2 weight decay of this array (0 for biases) */
  weightDecay: number;
  nesterov: boolean;
  /** the first step sets v = g + λw instead of decaying a zero v */
  first: boolean;
}

/** v = μ·v + (g + λw);  w −= lr·(nesterov ? g + λw + μ·v : v);  without momentum w −= lr·(g + λw) */
export function sgdStepReference(w: Float32Array, g: Float32Array, v: Float32Array | null, s: SgdStep): void {
  const { lr, momentum: mu, weightDecay: lambda } = s;
  const n = w.length;
  if (mu === 0 || v === null) {
    for (let i = 0; i < n; i++) w[i] -= lr * (g[i]! + lambda * w[i]!);
    return;
  }
  // Branches hoisted out of the loops: this runs once per parameter array per step.
  if (s.first) for (let i = 0; i < n; i++) v[i] = g[i]! + lambda * w[i]!;
  else for (let i = 0; i < n; i++) v[i] = mu * v[i]! + (g[i]! + lambda * w[i]!);
  if (s.nesterov) {
    // w has not moved since v's update, so g + λw is the same value v was built from
    for (let i = 0; i < n; i++) w[i] -= lr * (g[i]! + lambda * w[i]! + mu * v[i]!);
  } else {
    for (let i = 0; i < n; i++) w[i] -= lr * v[i]!;
  }
}

export interface AdamStep {
  lr: number;
  /** λ: L2 decay added to g (adam) or decoupled decay w −= lr·λ·w (adamw) */
  weightDecay: number;
  decoupled: boolean;
  beta1: number;
  beta2: number;
  eps: number;
  /** bias corrections 1/(1 − β1^t) and 1/(1 − β2^t) for this step t */
  c1: number;
  c2: number;
}

/** m = β1·m + (1−β1)g;  v = β2·v + (1−β2)g²;  w −= lr·(m·c1)/(√(v·c2) + ε) */
export function adamStepReference(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: AdamStep): void {
  const { lr, weightDecay: lambda, decoupled, beta1: b1, beta2: b2, eps, c1, c2 } = s;
  const n = w.length;
  for (let i = 0; i < n; i++) {
    if (decoupled) w[i] -= lr * lambda * w[i]!;
    const gi = decoupled ? g[i]! : g[i]! + lambda * w[i]!;
    m[i] = b1 * m[i]! + (1 - b1) * gi;
    v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
    w[i] -= (lr * (m[i]! * c1)) / (Math.sqrt(v[i]! * c2) + eps);
  }
}
