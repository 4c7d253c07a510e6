/** FpsMeter and the median per-part times the Camera view shows. */
import { describe, expect, it } from 'vitest';
import { FpsMeter, medianTimes, type CameraFrameSample } from './camera-stats.js';

describe('FpsMeter', () => {
  it('reads 30 for frames 33.3 ms apart, over the last second only', () => {
    const m = new FpsMeter();
    expect(m.fps).toBeNull();
    m.tick(0);
    expect(m.fps).toBeNull();
    for (let i = 1; i <= 90; i++) m.tick((i * 1000) / 30);
    expect(m.fps).toBeCloseTo(30, 6);
  });

  it('follows a slow-down within a second (30 → 10 fps)', () => {
    const m = new FpsMeter();
    let t = 0;
    for (let i = 0; i < 60; i++) m.tick((t += 1000 / 30));
    for (let i = 0; i < 12; i++) m.tick((t += 100));
    expect(m.fps).toBeCloseTo(10, 6);
  });

  it('starts again after reset', () => {
    const m = new FpsMeter();
    m.tick(0);
    m.tick(10);
    m.reset();
    expect(m.fps).toBeNull();
  });
});

describe('medianTimes', () => {
  const f = (totalMs: number): CameraFrameSample => ({ at: 0, grabMs: 1, readMs: totalMs / 2, traceMs: 2, drawMs: 3, totalMs, text: '1' });
  it('takes the median of the last n frames (even count: the mean of the middle two)', () => {
    expect(medianTimes([f(100), f(10), f(30), f(20), f(40)], 4)?.totalMs).toBe(25);
    expect(medianTimes([f(10), f(30), f(20)])?.readMs).toBe(10);
    expect(medianTimes([])).toBeNull();
  });
});
