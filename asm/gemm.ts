// SGEMM building blocks with 128-bit SIMD: a 4x8 outer-product micro-kernel over packed panels
// (op(A) in 4-row panels [k][4], op(B) in 8-column panels [k][8], zero-padded at the edges),
// a 2x4 dot-product micro-kernel for C = A·Bᵀ with both operands read in place, the packers,
// and the two GEMM drivers. Conv ops reuse the kernels and packers with their own packing of
// the image side. All pointers are byte addresses; sizes are in elements unless named *Bytes.
// Every C element is summed by one thread in a fixed order (the blocking does not depend on
// the thread count), so results do not change with the number of threads.
import { argI, argP, barrier, scratchBase, share } from './threads';

export const MR: i32 = 4;
export const NR: i32 = 8;
/** Reduction block of the outer-product path: an 8 KiB B panel slice stays in L1. */
export const KC: i32 = 256;
/** A panels per row block: 128 rows x KC = 128 KiB of packed A stays in L2. */
export const MCP: i32 = 32;
/** Reduction block of the dot path: 6 rows x 2 KiB stay in L1. */
export const KD: i32 = 512;
/** Bytes of per-thread edge-tile space (4x8 tile + 4 bias values), whole cache lines. */
export const TMP_BYTES: usize = 192;

@inline function mac(acc: v128, a: v128, b: v128): v128 {
  if (RELAXED) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/**
 * C[4,8] (+)= Ap[kc][4] · B[kc][8]; ldc in bytes. B's rows are bs bytes apart: 32 for a
 * packed panel, the row stride of B when it is read in place. With bias != 0 the sums start
 * from bias[0..4) (one value per row) instead of zero.
 */
export function tile4x8(kc: i32, a: usize, b: usize, bs: usize, c: usize, ldc: usize, add: bool, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (bias != 0) {
    c00 = v128.load32_splat(bias);
    c01 = c00;
    c10 = v128.load32_splat(bias, 4);
    c11 = c10;
    c20 = v128.load32_splat(bias, 8);
    c21 = c20;
    c30 = v128.load32_splat(bias, 12);
    c31 = c30;
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = mac(c00, av, b0);
    c01 = mac(c01, av, b1);
    av = v128.load32_splat(a, 4);
    c10 = mac(c10, av, b0);
    c11 = mac(c11, av, b1);
    av = v128.load32_splat(a, 8);
    c20 = mac(c20, av, b0);
    c21 = mac(c21, av, b1);
    av = v128.load32_splat(a, 12);
    c30 = mac(c30, av, b0);
    c31 = mac(c31, av, b1);
    a += 16;
    b += bs;
  }
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
  if (add) {
    c00 = f32x4.add(v128.load(c), c00);
    c01 = f32x4.add(v128.load(c, 16), c01);
    c10 = f32x4.add(v128.load(c1), c10);
    c11 = f32x4.add(v128.load(c1, 16), c11);
    c20 = f32x4.add(v128.load(c2), c20);
    c21 = f32x4.add(v128.load(c2, 16), c21);
    c30 = f32x4.add(v128.load(c3), c30);
    c31 = f32x4.add(v128.load(c3, 16), c31);
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c1, c10);
  v128.store(c1, c11, 16);
  v128.store(c2, c20);
  v128.store(c2, c21, 16);
  v128.store(c3, c30);
  v128.store(c3, c31, 16);
}

/**
 * A partial tile (mr < 4 or nr < 8): computed in tmp with the same kernel, then copied out.
 * tmp holds 4x8 floats and 4 more for the rows' bias.
 */
function tileEdge(kc: i32, a: usize, b: usize, c: usize, ldc: usize, add: bool, bias: usize, mr: i32, nr: i32, tmp: usize): void {
  let tb: usize = 0;
  if (bias != 0) {
    tb = tmp + 128;
    for (let i = 0; i < 4; i++) store<f32>(tb + (<usize>i << 2), i < mr ? load<f32>(bias + (<usize>i << 2)) : 0);
  }
  if (add) {
    for (let i = 0; i < mr; i++) {
      for (let j = 0; j < nr; j++) {
        store<f32>(tmp + (<usize>(i * 8 + j) << 2), load<f32>(c + <usize>i * ldc + (<usize>j << 2)));
      }
    }
  }
  tile4x8(kc, a, b, 32, tmp, 32, add, tb);
  for (let i = 0; i < mr; i++) {
    for (let j = 0; j < nr; j++) {
      store<f32>(c + <usize>i * ldc + (<usize>j << 2), load<f32>(tmp + (<usize>(i * 8 + j) << 2)));
    }
  }
}

/**
 * One reduction block: C (+)= Ap · Bp over panels [0, nA) x [0, nB), each kc deep. A panel ip
 * starts at Ap + ip*aps, B panel jp at Bp + jp*bps (bytes). C row-major with row stride ldc
 * elements; M x N of it are real (edges clip). bias (0 for none) holds one value per row of C.
 */
export function blockTiles(
  Ap: usize, aps: usize, nA: i32,
  Bp: usize, bps: usize, nB: i32,
  kc: i32, c: usize, ldc: i32, M: i32, N: i32, add: bool, bias: usize, tmp: usize,
): void {
  const ldcB = <usize>ldc << 2;
  for (let ic = 0; ic < nA; ic += MCP) {
    const ie = min(nA, ic + MCP);
    for (let jp = 0; jp < nB; jp++) {
      const bp = Bp + <usize>jp * bps;
      const j = jp << 3;
      const nr = min(8, N - j);
      for (let ip = ic; ip < ie; ip++) {
        const ap = Ap + <usize>ip * aps;
        const i = ip << 2;
        const mr = min(4, M - i);
        const cp = c + <usize>i * ldcB + (<usize>j << 2);
        const bi = bias != 0 ? bias + (<usize>i << 2) : 0;
        if (mr == 4 && nr == 8) tile4x8(kc, ap, bp, 32, cp, ldcB, add, bi);
        else tileEdge(kc, ap, bp, cp, ldcB, add, bi, mr, nr, tmp);
      }
    }
  }
}

/**
 * C (+)= Ap · Bp over panels [0, nA) x [0, nB), both packed K deep (panel strides aps/bps bytes),
 * in reduction blocks of KC. bias (0 for none) starts the first block.
 */
export function outerTiles(
  Ap: usize, aps: usize, nA: i32,
  Bp: usize, bps: usize, nB: i32,
  K: i32, c: usize, ldc: i32, M: i32, N: i32, add: bool, bias: usize, tmp: usize,
): void {
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    blockTiles(Ap + (<usize>k0 << 4), aps, nA, Bp + (<usize>k0 << 5), bps, nB, kc, c, ldc, M, N, add || k0 > 0, k0 == 0 ? bias : 0, tmp);
  }
}

/** Stores the 4x4 transpose of rows r0..r3 at d, d + stride, d + 2 stride, d + 3 stride. */
@inline function transpose4(d: usize, stride: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(d + stride, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(d + 2 * stride, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(d + 3 * stride, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/**
 * Interleaves up to 4 rows of a row-major matrix: dst[k*dstStride + lane r] = src[r*ld + k]
 * for k < K, r < rows (lanes r >= rows get zeros). dstStride in bytes (16 or 32).
 */
export function packRows(dst: usize, dstStride: usize, src: usize, ld: i32, rows: i32, K: i32): void {
  const ldB = <usize>ld << 2;
  if (rows == 4) {
    const s1 = src + ldB, s2 = s1 + ldB, s3 = s2 + ldB;
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const o = <usize>k << 2;
      transpose4(dst + <usize>k * dstStride, dstStride, v128.load(src + o), v128.load(s1 + o), v128.load(s2 + o), v128.load(s3 + o));
    }
    for (; k < K; k++) {
      const o = <usize>k << 2;
      const d = dst + <usize>k * dstStride;
      store<f32>(d, load<f32>(src + o));
      store<f32>(d, load<f32>(s1 + o), 4);
      store<f32>(d, load<f32>(s2 + o), 8);
      store<f32>(d, load<f32>(s3 + o), 12);
    }
    return;
  }
  for (let k = 0; k < K; k++) {
    const d = dst + <usize>k * dstStride;
    v128.store(d, f32x4.splat(0));
    for (let r = 0; r < rows; r++) store<f32>(d + (<usize>r << 2), load<f32>(src + <usize>r * ldB + (<usize>k << 2)));
  }
}

/**
 * Copies K rows of `cols` contiguous values: dst[k*width + q] = src[k*ld + q], zero for
 * q >= cols. width is 4 or 8 lanes.
 */
export function packCols(dst: usize, width: i32, src: usize, ld: i32, cols: i32, K: i32): void {
  const ldB = <usize>ld << 2;
  const wB = <usize>width << 2;
  if (cols == width) {
    if (width == 8) {
      for (let k = 0; k < K; k++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        dst += 32;
        src += ldB;
      }
    } else {
      for (let k = 0; k < K; k++) {
        v128.store(dst, v128.load(src));
        dst += 16;
        src += ldB;
      }
    }
    return;
  }
  for (let k = 0; k < K; k++) {
    for (let q = 0; q < width; q++) store<f32>(dst + (<usize>q << 2), q < cols ? load<f32>(src + (<usize>q << 2)) : 0);
    dst += wB;
    src += ldB;
  }
}

/** Packs 4-row panel ip of op(A)[M,K]: A stored [M,K] (or [K,M] when transA). */
export function packAPanel(dst: usize, a: usize, M: i32, K: i32, transA: bool, ip: i32): void {
  const i0 = ip << 2;
  const rows = min(4, M - i0);
  if (transA) packCols(dst, 4, a + (<usize>i0 << 2), M, rows, K);
  else packRows(dst, 16, a + ((<usize>i0 * <usize>K) << 2), K, rows, K);
}

/**
 * Packs rows [k0, k0 + kc) of 8-column panel jp of op(B)[K,N] into dst[kc][8]:
 * B stored [K,N] (or [N,K] when transB).
 */
export function packBPanel(dst: usize, b: usize, N: i32, K: i32, transB: bool, jp: i32, k0: i32, kc: i32): void {
  const j0 = jp << 3;
  const cols = min(8, N - j0);
  if (transB) {
    const rowB = <usize>K << 2;
    const src = b + <usize>j0 * rowB + (<usize>k0 << 2);
    packRows(dst, 32, src, K, min(4, cols), kc);
    const hi = cols - 4;
    if (hi > 0) packRows(dst + 16, 32, src + 4 * rowB, K, hi, kc);
    else for (let k = 0; k < kc; k++) v128.store(dst + (<usize>k << 5), f32x4.splat(0), 16);
  } else {
    packCols(dst, 8, b + ((<usize>k0 * <usize>N + <usize>j0) << 2), N, cols, kc);
  }
}

// ---- dot-product path: C = A·Bᵀ, A rows and B rows both contiguous along the reduction ----

@inline function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 1, 5), v128.shuffle<f32>(c, d, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
}

/** The last len % 4 values at p (1..3 of them), zero-padded to a vector. */
@inline function loadTail(p: usize, r: i32): v128 {
  let v = f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(p));
  if (r > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (r > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/**
 * C[2,4] (+)= Σ over nseg segments of A[2,len]·B[4,len]ᵀ. Row strides lda/ldb, segment
 * strides aSeg/bSeg and ldc are in bytes. The same lanes and order as dot1x1 below.
 */
export function dot2x4(
  len: i32, nseg: i32, a: usize, aSeg: usize, lda: usize, b: usize, bSeg: usize, ldb: usize,
  c: usize, ldc: usize, add: bool,
): void {
  let s00 = f32x4.splat(0), s01 = s00, s02 = s00, s03 = s00;
  let s10 = s00, s11 = s00, s12 = s00, s13 = s00;
  const body = <usize>(len & ~3) << 2;
  const r = len & 3;
  for (let s = 0; s < nseg; s++) {
    const a0 = a + <usize>s * aSeg, a1 = a0 + lda;
    const b0 = b + <usize>s * bSeg, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
    for (let k: usize = 0; k < body; k += 16) {
      const x0 = v128.load(a0 + k), x1 = v128.load(a1 + k);
      let w = v128.load(b0 + k);
      s00 = mac(s00, x0, w);
      s10 = mac(s10, x1, w);
      w = v128.load(b1 + k);
      s01 = mac(s01, x0, w);
      s11 = mac(s11, x1, w);
      w = v128.load(b2 + k);
      s02 = mac(s02, x0, w);
      s12 = mac(s12, x1, w);
      w = v128.load(b3 + k);
      s03 = mac(s03, x0, w);
      s13 = mac(s13, x1, w);
    }
    if (r != 0) {
      const x0 = loadTail(a0 + body, r), x1 = loadTail(a1 + body, r);
      let w = loadTail(b0 + body, r);
      s00 = mac(s00, x0, w);
      s10 = mac(s10, x1, w);
      w = loadTail(b1 + body, r);
      s01 = mac(s01, x0, w);
      s11 = mac(s11, x1, w);
      w = loadTail(b2 + body, r);
      s02 = mac(s02, x0, w);
      s12 = mac(s12, x1, w);
      w = loadTail(b3 + body, r);
      s03 = mac(s03, x0, w);
      s13 = mac(s13, x1, w);
    }
  }
  let r0 = hsum4(s00, s01, s02, s03);
  let r1 = hsum4(s10, s11, s12, s13);
  const c1 = c + ldc;
  if (add) {
    r0 = f32x4.add(v128.load(c), r0);
    r1 = f32x4.add(v128.load(c1), r1);
  }
  v128.store(c, r0);
  v128.store(c1, r1);
}

/** One dot product with the lane layout and summation order of dot2x4. */
function dot1x1(len: i32, nseg: i32, a: usize, aSeg: usize, b: usize, bSeg: usize): f32 {
  let s = f32x4.splat(0);
  const body = <usize>(len & ~3) << 2;
  const r = len & 3;
  for (let g = 0; g < nseg; g++) {
    const a0 = a + <usize>g * aSeg, b0 = b + <usize>g * bSeg;
    for (let k: usize = 0; k < body; k += 16) s = mac(s, v128.load(a0 + k), v128.load(b0 + k));
    if (r != 0) s = mac(s, loadTail(a0 + body, r), loadTail(b0 + body, r));
  }
  const z = f32x4.splat(0);
  return f32x4.extract_lane(hsum4(s, z, z, z), 0);
}

/** A partial dot tile: mr <= 2 rows, nr <= 4 columns. */
export function dotEdge(
  mr: i32, nr: i32, len: i32, nseg: i32, a: usize, aSeg: usize, lda: usize, b: usize, bSeg: usize, ldb: usize,
  c: usize, ldc: usize, add: bool,
): void {
  for (let i = 0; i < mr; i++) {
    for (let j = 0; j < nr; j++) {
      const cp = c + <usize>i * ldc + (<usize>j << 2);
      const v = dot1x1(len, nseg, a + <usize>i * lda, aSeg, b + <usize>j * ldb, bSeg);
      store<f32>(cp, add ? load<f32>(cp) + v : v);
    }
  }
}

/**
 * C rows [i0, i1) x cols [j0, j1) (+)= Σ_seg A·Bᵀ, tiles of 2x4 aligned to i0/j0 (both even/4k).
 * A rows at a + i*lda, B rows at b + j*ldb, C at c + i*ldc + j*4 (all bytes).
 */
export function dotTiles(
  i0: i32, i1: i32, j0: i32, j1: i32, len: i32, nseg: i32,
  a: usize, aSeg: usize, lda: usize, b: usize, bSeg: usize, ldb: usize, c: usize, ldc: usize, add: bool,
): void {
  for (let j = j0; j < j1; j += 4) {
    const nr = min(4, j1 - j);
    const bp = b + <usize>j * ldb;
    for (let i = i0; i < i1; i += 2) {
      const mr = min(2, i1 - i);
      const ap = a + <usize>i * lda;
      const cp = c + <usize>i * ldc + (<usize>j << 2);
      if (mr == 2 && nr == 4) dot2x4(len, nseg, ap, aSeg, lda, bp, bSeg, ldb, cp, ldc, add);
      else dotEdge(mr, nr, len, nseg, ap, aSeg, lda, bp, bSeg, ldb, cp, ldc, add);
    }
  }
}

// ---- GEMM ops: args M, N, K, a, b, c, flags (1 transA, 2 transB, 4 accumulate) ----

const G_M = 0, G_N = 1, G_K = 2, G_A = 3, G_B = 4, G_C = 5, G_FLAGS = 6;

/** True when the op takes the dot path (A·Bᵀ with A not transposed): no packing at all. */
@inline function dotPath(flags: i32): bool {
  return (flags & 3) == 2;
}

/** B panels a thread packs at a time when it owns a range of columns: NCP x KC x 8 floats = 256 KiB. */
const NCP: i32 = 32;
/** Up to this many 4-row panels of op(A), a B that is not transposed is read in place. */
const SMALL_M_PANELS: i32 = 4;

export function gemmScratch(nt: i32): usize {
  const M = argI(G_M), N = argI(G_N), K = argI(G_K), flags = argI(G_FLAGS);
  if (dotPath(flags)) return 0;
  const mp = (M + 3) >> 2, np = (N + 7) >> 3;
  const a = (<usize>mp * <usize>K * 16 + 63) & ~63;
  if (np >= nt) return a + <usize>nt * (<usize>(NCP * KC * 32) + TMP_BYTES);
  return a + <usize>np * <usize>K * 32 + <usize>nt * TMP_BYTES;
}

export function gemmOp(tid: i32, nt: i32): void {
  const M = argI(G_M), N = argI(G_N), K = argI(G_K);
  const a = argP(G_A), b = argP(G_B), c = argP(G_C), flags = argI(G_FLAGS);
  const accumulate = (flags & 4) != 0;
  const ldcB = <usize>N << 2;
  if (dotPath(flags)) {
    const iq = (M + 1) >> 1, jq = (N + 3) >> 2;
    let i0 = 0, i1 = M, j0 = 0, j1 = N;
    if (jq >= nt) {
      j0 = share(jq, tid, nt) << 2;
      j1 = min(N, share(jq, tid + 1, nt) << 2);
    } else {
      i0 = share(iq, tid, nt) << 1;
      i1 = min(M, share(iq, tid + 1, nt) << 1);
    }
    const rowB = <usize>K << 2;
    for (let k0 = 0; k0 < K; k0 += KD) {
      const kc = min(KD, K - k0);
      const off = <usize>k0 << 2;
      dotTiles(i0, i1, j0, j1, kc, 1, a + off, 0, rowB, b + off, 0, rowB, c, ldcB, accumulate || k0 > 0);
    }
    return;
  }
  const transA = (flags & 1) != 0, transB = (flags & 2) != 0;
  const mp = (M + 3) >> 2, np = (N + 7) >> 3;
  const aps = <usize>K << 4;
  const Ap = scratchBase();
  const after = Ap + ((<usize>mp * aps + 63) & ~63);
  for (let ip = share(mp, tid, nt), e = share(mp, tid + 1, nt); ip < e; ip++) packAPanel(Ap + <usize>ip * aps, a, M, K, transA, ip);
  if (!transB && (M & 3) == 0 && mp <= SMALL_M_PANELS && np >= nt) {
    // Few rows (e.g. a dense layer's dW = dyᵀ·x): B's rows are read in place, 8 columns at a
    // time, since packing B would cost about as much as the few tiles that use each panel. Same
    // blocks and order as below, so the same bits; only a partial last panel is packed.
    const mine = after + <usize>tid * (<usize>(KC * 32) + TMP_BYTES);
    const tmp = mine + <usize>(KC * 32);
    barrier(nt);
    const j0 = share(np, tid, nt), j1 = share(np, tid + 1, nt);
    const full = N >> 3;
    const rowB = <usize>N << 2;
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      const add = accumulate || k0 > 0;
      const ak = Ap + (<usize>k0 << 4);
      const bk = b + <usize>k0 * rowB;
      for (let jp = j0; jp < j1; jp++) {
        const cj = c + (<usize>jp << 5);
        if (jp < full) {
          const bp = bk + (<usize>jp << 5);
          for (let ip = 0; ip < mp; ip++) tile4x8(kc, ak + <usize>ip * aps, bp, rowB, cj + <usize>(ip << 2) * ldcB, ldcB, add, 0);
        } else {
          packBPanel(mine, b, N, K, false, jp, k0, kc);
          blockTiles(ak, aps, mp, mine, 0, 1, kc, cj, N, M, N - (jp << 3), add, 0, tmp);
        }
      }
    }
    return;
  }
  if (np >= nt) {
    // Each thread owns a range of columns and packs its B in L2-sized blocks as it goes.
    const mine = after + <usize>tid * (<usize>(NCP * KC * 32) + TMP_BYTES);
    const tmp = mine + <usize>(NCP * KC * 32);
    barrier(nt);
    const j0 = share(np, tid, nt), j1 = share(np, tid + 1, nt);
    for (let jc = j0; jc < j1; jc += NCP) {
      const je = min(j1, jc + NCP);
      for (let k0 = 0; k0 < K; k0 += KC) {
        const kc = min(KC, K - k0);
        const bbs = <usize>kc << 5;
        for (let jp = jc; jp < je; jp++) packBPanel(mine + <usize>(jp - jc) * bbs, b, N, K, transB, jp, k0, kc);
        blockTiles(Ap + (<usize>k0 << 4), aps, mp, mine, bbs, je - jc, kc, c + (<usize>jc << 5), N, M, N - (jc << 3), accumulate || k0 > 0, 0, tmp);
      }
    }
  } else {
    // Fewer column panels than threads: split rows, every thread reads all of B, packed once.
    const bps = <usize>K << 5;
    const Bp = after;
    const tmp = Bp + <usize>np * bps + <usize>tid * TMP_BYTES;
    for (let jp = share(np, tid, nt), e = share(np, tid + 1, nt); jp < e; jp++) packBPanel(Bp + <usize>jp * bps, b, N, K, transB, jp, 0, K);
    barrier(nt);
    const i0 = share(mp, tid, nt), i1 = share(mp, tid + 1, nt);
    outerTiles(Ap + <usize>i0 * aps, aps, i1 - i0, Bp, bps, np, K, c + <usize>(i0 << 2) * ldcB, N, M - (i0 << 2), N, accumulate, 0, tmp);
  }
}
