/**
 * Occlusion as it sweeps: the map built from the windows computed so far. src/explain's occlusion()
 * reports each window's drop (onWindow) as it goes; the explorer collects them as [y, x, drop]
 * triples and redraws this partial map, which equals the library's map once every window is in.
 * It computes no drops itself.
 */

/** out[H*W]: each pixel the mean drop of the first `count` windows (triples in `windows`) covering it; 0 where none has yet. */
export function sweepMap(windows: ArrayLike<number>, count: number, window: number, H: number, W: number): Float32Array {
  const total = new Float64Array(H * W);
  const covered = new Float64Array(H * W);
  const n = Math.min(count, Math.floor(windows.length / 3));
  for (let k = 0; k < n; k++) {
    const y0 = windows[3 * k];
    const x0 = windows[3 * k + 1];
    const drop = windows[3 * k + 2];
    for (let y = y0; y < Math.min(H, y0 + window); y++) {
      for (let x = x0; x < Math.min(W, x0 + window); x++) {
        total[y * W + x] += drop;
        covered[y * W + x] += 1;
      }
    }
  }
  const out = new Float32Array(H * W);
  for (let i = 0; i < H * W; i++) out[i] = covered[i] > 0 ? total[i] / covered[i] : 0;
  return out;
}
