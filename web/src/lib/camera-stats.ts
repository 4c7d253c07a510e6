/**
 * How fast the Camera view keeps up: frames recognised per second over the last second, the
 * median time of each part of a frame, and a log of every frame's timings that the end-to-end
 * test and the docs' measurement read (window.__convscopeCamera). Clock passed in, so it tests
 * without a browser.
 */

export interface CameraFrameSample {
  /** when the frame was done (performance.now()) */
  at: number;
  /** taking the video frame as a gray image (its Y plane, or drawn into a canvas and read back) */
  grabMs: number;
  /** readDigits on the whole frame (in a frame reader, or on the page) */
  readMs: number;
  /** the chosen digit's forward pass */
  traceMs: number;
  /** the number, the boxes, every layer's maps and the probabilities drawn */
  drawMs: number;
  /** from the frame taken to the frame drawn: with a frame reader, the trip to it and back included */
  totalMs: number;
  /** the number read */
  text: string;
}

declare global {
  interface Window {
    __convscopeCamera?: { frames: CameraFrameSample[] };
  }
}

/** Frames per second over a sliding window (1 s by default); null until two frames are in it. */
export class FpsMeter {
  private times: number[] = [];
  constructor(private readonly windowMs = 1000) {}

  tick(at: number): void {
    this.times.push(at);
    while (this.times.length > 2 && at - this.times[0] > this.windowMs) this.times.shift();
  }

  /** (frames − 1) / (span between the first and last), so a steady 30 fps reads 30 */
  get fps(): number | null {
    const n = this.times.length;
    if (n < 2) return null;
    const span = this.times[n - 1] - this.times[0];
    return span > 0 ? ((n - 1) * 1000) / span : null;
  }

  reset(): void {
    this.times = [];
  }
}

/** The median of each part over the last `n` frames. */
export function medianTimes(frames: readonly CameraFrameSample[], n = 30): { grabMs: number; readMs: number; traceMs: number; drawMs: number; totalMs: number } | null {
  const last = frames.slice(-n);
  if (last.length === 0) return null;
  const med = (k: 'grabMs' | 'readMs' | 'traceMs' | 'drawMs' | 'totalMs'): number => {
    const v = last.map((f) => f[k]).sort((a, b) => a - b);
    const m = v.length >> 1;
    return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  };
  return { grabMs: med('grabMs'), readMs: med('readMs'), traceMs: med('traceMs'), drawMs: med('drawMs'), totalMs: med('totalMs') };
}

/** Appends to the page's camera log (at most 2,000 frames: the oldest 1,000 go when it is full). */
export function recordCameraFrame(s: CameraFrameSample): CameraFrameSample[] {
  window.__convscopeCamera ??= { frames: [] };
  const frames = window.__convscopeCamera.frames;
  frames.push(s);
  if (frames.length > 2000) frames.splice(0, 1000);
  return frames;
}
