/**
 * Helpers shared by the tests that hold the fast kernels against the reference: random
 * inputs, conv dims from a compact case, and a comparison whose tolerance scales with the sum
 * of each element's term magnitudes. Test support only; nothing in the engine imports it.
 */
import { Rng } from '../../rng.js';
import type { Conv2dDims, Kernels } from '../index.js';
import { conv2dBackwardReference, conv2dForwardReference } from '../conv.js';
import type { FastKernels } from './index.js';

export function rand(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

/** The first element whose bits differ from the reference's (NaN equals NaN, -0 differs from 0), or null. */
export function firstMismatch(got: Float32Array, want: Float32Array): string | null {
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) return `element ${i}: ${got[i]} vs ${want[i]}`;
  return null;
}

export function abs(a: Float32Array): Float32Array {
  return a.map(Math.abs);
}

/**
 * Throws unless every element is within rel x bound[i] of the reference, where bound holds the
 * sum of the magnitudes of the element's terms (or they are the same value, NaN included).
 */
export function expectClose(got: Float32Array, want: Float32Array, bound: Float32Array, what: string, rel = 1e-5): void {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length}, reference ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    const tol = rel * bound[i]!;
    if (!(d <= tol) && !Object.is(got[i], want[i])) {
      throw new Error(`${what}: element ${i} is ${got[i]}, reference ${want[i]} (|diff| ${d} > tol ${tol.toExponential(2)})`);
    }
  }
}

export interface ConvCase {
  N: number;
  C: number;
  H: number;
  W: number;
  outC: number;
  kH: number;
  kW: number;
  s?: [number, number];
  /** top, bottom, left, right */
  pad?: [number, number, number, number] | 'same';
  d?: [number, number];
}

export function convDims(c: ConvCase): Conv2dDims {
  const [strideH, strideW] = c.s ?? [1, 1];
  const [dilationH, dilationW] = c.d ?? [1, 1];
  let pad: [number, number, number, number];
  if (c.pad === 'same') {
    const ph = dilationH * (c.kH - 1), pw = dilationW * (c.kW - 1);
    pad = [Math.floor(ph / 2), ph - Math.floor(ph / 2), Math.floor(pw / 2), pw - Math.floor(pw / 2)];
  } else {
    pad = c.pad ?? [0, 0, 0, 0];
  }
  const oH = Math.floor((c.H + pad[0] + pad[1] - dilationH * (c.kH - 1) - 1) / strideH) + 1;
  const oW = Math.floor((c.W + pad[2] + pad[3] - dilationW * (c.kW - 1) - 1) / strideW) + 1;
  return { N: c.N, C: c.C, H: c.H, W: c.W, outC: c.outC, kH: c.kH, kW: c.kW, strideH, strideW, padTop: pad[0], padLeft: pad[2], dilationH, dilationW, oH, oW };
}

export function convName(c: ConvCase): string {
  const pad = c.pad === 'same' ? 'same' : `(${(c.pad ?? [0, 0, 0, 0]).join(',')})`;
  return `x=[${c.N},${c.C},${c.H},${c.W}] w=[${c.outC},${c.C},${c.kH},${c.kW}] s=${(c.s ?? [1, 1]).join('x')} p=${pad} d=${(c.d ?? [1, 1]).join('x')}`;
}

/**
 * Conv backward with null outputs computes only what is asked: dw and db without dx, dx alone
 * (x is passed empty to prove it is not read) and db alone (x and w empty).
 */
export function expectBackwardComputesOnlyWhatIsAsked(kernels: readonly Kernels[], d: Conv2dDims, seed: number): void {
  const K = d.C * d.kH * d.kW;
  const rng = new Rng(seed);
  const x = rand(rng, d.N * d.C * d.H * d.W), w = rand(rng, d.outC * K), dy = rand(rng, d.N * d.outC * d.oH * d.oW);
  const dw = new Float32Array(d.outC * K), db = new Float32Array(d.outC), dx = new Float32Array(x.length);
  conv2dBackwardReference(dx, dw, db, dy, x, w, d);
  const dwB = new Float32Array(dw.length), dbB = new Float32Array(db.length), dxB = new Float32Array(dx.length);
  conv2dBackwardReference(dxB, dwB, dbB, abs(dy), abs(x), abs(w), d);
  for (const k of kernels) {
    const dw2 = new Float32Array(dw.length), db2 = new Float32Array(db.length);
    k.conv2dBackward(null, dw2, db2, dy, x, w, d);
    expectClose(dw2, dw, dwB, 'dw without dx');
    expectClose(db2, db, dbB, 'db without dx');
    const dx2 = new Float32Array(dx.length).fill(NaN);
    k.conv2dBackward(dx2, null, null, dy, new Float32Array(0), w, d);
    expectClose(dx2, dx, dxB, 'dx alone');
    const db3 = new Float32Array(db.length);
    k.conv2dBackward(null, null, db3, dy, new Float32Array(0), new Float32Array(0), d);
    expectClose(db3, db, dbB, 'db alone');
  }
}

/**
 * One conv case through the reference and through each of `kernels`: forward, then backward with
 * dx overwritten and dw, db accumulated onto random starting values, every output within its
 * magnitude bound of the reference's. Returns each kernel's [y, dx, dw, db] for further checks.
 */
export function expectConvMatchesReference(kernels: readonly FastKernels[], d: Conv2dDims, seed: number, name: string): Float32Array[][] {
  const K = d.C * d.kH * d.kW;
  const nx = d.N * d.C * d.H * d.W;
  const ny = d.N * d.outC * d.oH * d.oW;
  const rng = new Rng(seed);
  const x = rand(rng, nx), w = rand(rng, d.outC * K), b = rand(rng, d.outC), dy = rand(rng, ny);
  const dw0 = rand(rng, d.outC * K), db0 = rand(rng, d.outC);
  const y = new Float32Array(ny);
  conv2dForwardReference(y, x, w, b, d);
  const dx = new Float32Array(nx), dw = dw0.slice(), db = db0.slice();
  conv2dBackwardReference(dx, dw, db, dy, x, w, d);
  // the same sums over magnitudes bound each element's rounding error
  const yB = new Float32Array(ny), dxB = new Float32Array(nx), dwB = abs(dw0), dbB = abs(db0);
  conv2dForwardReference(yB, abs(x), abs(w), abs(b), d);
  conv2dBackwardReference(dxB, dwB, dbB, abs(dy), abs(x), abs(w), d);
  return kernels.map((k) => {
    const where = `${name} threads=${k.threads}`;
    const y2 = new Float32Array(ny).fill(NaN);
    k.conv2dForward(y2, x, w, b, d);
    expectClose(y2, y, yB, `forward ${where}`);
    const dx2 = new Float32Array(nx).fill(NaN), dw2 = dw0.slice(), db2 = db0.slice();
    k.conv2dBackward(dx2, dw2, db2, dy, x, w, d);
    expectClose(dx2, dx, dxB, `dx ${where}`);
    expectClose(dw2, dw, dwB, `dw ${where}`);
    expectClose(db2, db, dbB, `db ${where}`);
    return [y2, dx2, dw2, db2];
  });
}
