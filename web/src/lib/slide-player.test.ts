import { describe, expect, it } from 'vitest';
import { nextFrame } from './slide-player.js';

describe('nextFrame', () => {
  it('steps forward and back through 64 frames, wrapping at both ends', () => {
    expect(nextFrame(0, 1, 64)).toBe(1);
    expect(nextFrame(63, 1, 64)).toBe(0);
    expect(nextFrame(0, -1, 64)).toBe(63);
    expect(nextFrame(5, -130, 64)).toBe(3);
  });

  it('refuses a slide with no frames', () => {
    expect(() => nextFrame(0, 1, 0)).toThrow('nextFrame: frames must be a positive integer, got 0');
  });
});
