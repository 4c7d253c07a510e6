/**
 * The optimizer kernels (asm/optimizer.ts) against the reference updates in
 * ../optimizer-steps.ts: the same bits for every flag combination, for lengths that exercise the
 * SIMD body and the scalar tail, on 1, 2 and 3 threads, from ordinary arrays (copied in and out)
 * and in place in kernel memory; state arrays of the wrong length are refused.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Rng } from '../../rng.js';
import { adamStepReference, sgdStepReference, type AdamStep, type SgdStep } from '../optimizer-steps.js';
import type { FastKernels } from './index.js';
import { threadPools } from './node-test-pools.js';
import { firstMismatch, rand } from './testing.js';

let pools: FastKernels[] = [];
beforeAll(async () => {
  pools = await threadPools();
});
afterAll(async () => {
  for (const k of pools) await k.dispose();
});

/** Weights, gradients and state of n values, with a few zeros and large values mixed in. */
function arrays(n: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return [0, 1, 2, 3].map((j) => {
    const a = rand(rng, n);
    if (n > 8) {
      a[j] = 0;
      a[j + 4] = (j + 1) * 1e3;
    }
    return j === 3 ? a.map(Math.abs) : a; // Adam's v is non-negative
  });
}

const LENGTHS = [1, 3, 4, 17, 431_080 % 1000 + 5, 20_003];

describe('sgdStep', () => {
  const cases: SgdStep[] = [];
  for (const momentum of [0, 0.9]) {
    for (const nesterov of momentum > 0 ? [false, true] : [false]) {
      for (const first of [true, false]) cases.push({ lr: 0.05, momentum, weightDecay: 5e-4, nesterov, first });
    }
  }
  cases.push({ lr: 0.3, momentum: 0.5, weightDecay: 0, nesterov: false, first: false });
  for (const n of LENGTHS) {
    test(`n=${n}: every flag combination gives the reference's bits on 1, 2 and 3 threads`, () => {
      for (const s of cases) {
        const [w, g, v] = arrays(n, n);
        const want = [w.slice(), v.slice()] as const;
        sgdStepReference(want[0], g, s.momentum === 0 ? null : want[1], s);
        for (const k of pools) {
          const got = [w.slice(), v.slice()] as const;
          k.sgdStep!(got[0], g, s.momentum === 0 ? null : got[1], s);
          const what = `${JSON.stringify(s)} threads=${k.threads}`;
          expect(firstMismatch(got[0], want[0]), `w ${what}`).toBeNull();
          expect(firstMismatch(got[1], want[1]), `v ${what}`).toBeNull();
        }
      }
    });
  }
});

describe('adamStep', () => {
  const cases: AdamStep[] = [
    { lr: 1e-3, weightDecay: 0, decoupled: false, beta1: 0.9, beta2: 0.999, eps: 1e-8, c1: 1 / (1 - 0.9), c2: 1 / (1 - 0.999) },
    { lr: 2e-3, weightDecay: 1e-2, decoupled: false, beta1: 0.8, beta2: 0.99, eps: 1e-6, c1: 1.7, c2: 3.1 },
    { lr: 2e-3, weightDecay: 1e-2, decoupled: true, beta1: 0.9, beta2: 0.999, eps: 1e-8, c1: 1.01, c2: 1.3 },
  ];
  for (const n of LENGTHS) {
    test(`n=${n}: adam and adamw give the reference's bits on 1, 2 and 3 threads`, () => {
      for (const s of cases) {
        const [w, g, m, v] = arrays(n, n + 7);
        const want = [w.slice(), m.slice(), v.slice()] as const;
        adamStepReference(want[0], g, want[1], want[2], s);
        for (const k of pools) {
          const got = [w.slice(), m.slice(), v.slice()] as const;
          k.adamStep!(got[0], g, got[1], got[2], s);
          const what = `${JSON.stringify(s)} threads=${k.threads}`;
          ['w', 'm', 'v'].forEach((name, i) => expect(firstMismatch(got[i]!, want[i]!), `${name} ${what}`).toBeNull());
        }
      }
    });
  }
});

test('arrays in kernel memory are updated in place, and several steps in a row stay on the reference', () => {
  const k = pools[1]!;
  const n = 1001;
  const [w0, g, v0] = arrays(n, 5);
  const w = k.buffers!.f32(n), v = k.buffers!.f32(n);
  w.set(w0);
  v.set(v0);
  const wr = w0.slice(), vr = v0.slice();
  for (let step = 0; step < 5; step++) {
    const s = { lr: 0.1, momentum: 0.9, weightDecay: 1e-4, nesterov: true, first: step === 0 };
    k.sgdStep!(w, g, v, s);
    sgdStepReference(wr, g, vr, s);
  }
  expect(firstMismatch(w, wr)).toBeNull();
  expect(firstMismatch(v, vr)).toBeNull();
  expect(firstMismatch(w, w0), 'the weights moved').not.toBeNull();
});

test('state arrays whose length differs from the weights are refused, naming them', () => {
  const k = pools[0]!;
  const s = { lr: 0.1, momentum: 0.9, weightDecay: 0, nesterov: false, first: false };
  expect(() => k.sgdStep!(new Float32Array(4), new Float32Array(3), new Float32Array(4), s)).toThrow('wasm sgdStep: g has 3 values, w has 4');
  expect(() => k.sgdStep!(new Float32Array(4), new Float32Array(4), new Float32Array(5), s)).toThrow('wasm sgdStep: v has 5 values, w has 4');
  const a = { lr: 0.1, weightDecay: 0, decoupled: false, beta1: 0.9, beta2: 0.999, eps: 1e-8, c1: 10, c2: 1000 };
  expect(() => k.adamStep!(new Float32Array(4), new Float32Array(4), new Float32Array(4), new Float32Array(2), a)).toThrow('wasm adamStep: v has 2 values, w has 4');
  expect(() => k.adamStep!(new Float32Array(4), new Float32Array(4), new Float32Array(1), new Float32Array(4), a)).toThrow('wasm adamStep: m has 1 values, w has 4');
});
