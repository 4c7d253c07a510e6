// The bias gradient of a convolution, shared by both algorithms (asm/conv.ts, asm/direct.ts):
//   db[o] += Σ_n Σ_p dy[n,o,p]
// one thread per output channel, each image's P values summed 4 lanes at a time, then the lanes
// in a fixed order, so the result does not depend on the thread count or on the algorithm.
import { share } from './threads';

/** (v0 + v2) + (v1 + v3): the one order in which the kernels add up the lanes of a vector. */
@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 2)) + (f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 3));
}

/** db[o] += Σ over N images of dy's row o (P values each; images yImg bytes apart), o in this thread's share. */
export function biasGradient(db: usize, dy: usize, N: i32, outC: i32, P: i32, yImg: usize, tid: i32, nt: i32): void {
  const rowP = <usize>P << 2;
  for (let o = share(outC, tid, nt), e = share(outC, tid + 1, nt); o < e; o++) {
    let total = load<f32>(db + (<usize>o << 2));
    for (let n = 0; n < N; n++) {
      const row = dy + <usize>n * yImg + <usize>o * rowP;
      let s = f32x4.splat(0);
      let p = 0;
      for (; p + 4 <= P; p += 4) s = f32x4.add(s, v128.load(row + (<usize>p << 2)));
      let t = hsum(s);
      for (; p < P; p++) t += load<f32>(row + (<usize>p << 2));
      total += t;
    }
    store<f32>(db + (<usize>o << 2), total);
  }
}
