import { describe, expect, it } from 'vitest';
import { IDENTITY } from '../../../src/explain/invariance.js';
import { readCompareWith, readTransform, withCompareWith, withTransform } from './hands-on-url.js';

describe('the hands-on views in the URL', () => {
  it('reads the second model of Side by side, refusing what cannot be a model name', () => {
    expect(readCompareWith('?view=compare&with=mlp')).toBe('mlp');
    expect(readCompareWith('?view=compare&with=../x')).toBeNull();
    expect(readCompareWith('?view=compare')).toBeNull();
    expect(withCompareWith('?model=lenet&view=compare', 'tiny')).toBe('?model=lenet&view=compare&with=tiny');
    expect(withCompareWith('?model=lenet&view=compare&with=tiny', null)).toBe('?model=lenet&view=compare');
  });

  it('reads the moved sliders, dropping values outside their range or not numbers', () => {
    expect(readTransform('?shiftX=4&rotate=-30')).toEqual({ ...IDENTITY, shiftX: 4, rotate: -30 });
    expect(readTransform('?rotate=400&scale=abc&thicken=&shiftY=Infinity')).toEqual(IDENTITY);
    expect(readTransform('?scale=0.5')).toEqual({ ...IDENTITY, scale: 0.5 });
  });

  it('writes only the sliders that moved, keeping every other parameter', () => {
    expect(withTransform('?model=lenet&view=invariance&rotate=10', { ...IDENTITY, shiftX: -3, scale: 1.25 })).toBe('?model=lenet&view=invariance&shiftX=-3&scale=1.25');
    expect(withTransform('?model=lenet&view=invariance&shiftX=2', IDENTITY)).toBe('?model=lenet&view=invariance');
  });
});
