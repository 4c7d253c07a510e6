/** The Explain view's channel in the URL: read strictly, written beside the app's other settings. */
import { describe, expect, it } from 'vitest';
import { lookForHref, opensElsewhere, readFocus, withFocus } from './looks-for-url.js';

describe('looks-for URL', () => {
  it('reads layer and channel together', () => {
    expect(readFocus('?model=lenet&view=explain&layer=conv2&channel=13')).toEqual({ layer: 'conv2', channel: 13 });
    expect(readFocus('?layer=conv_2-b&channel=0')).toEqual({ layer: 'conv_2-b', channel: 0 });
  });

  it.each([
    ['no channel', '?layer=conv2'],
    ['no layer', '?channel=3'],
    ['a negative channel', '?layer=conv2&channel=-1'],
    ['a fractional channel', '?layer=conv2&channel=1.5'],
    ['a huge channel', '?layer=conv2&channel=123456'],
    ['a name starting with a digit', '?layer=2conv&channel=1'],
    ['a name with a slash', '?layer=a%2Fb&channel=1'],
  ])('refuses %s', (_, search) => expect(readFocus(search)).toBeNull());

  it('sets and removes the focus, keeping every other parameter in place', () => {
    expect(withFocus('?model=lenet&view=explain', { layer: 'conv1', channel: 4 })).toBe('?model=lenet&view=explain&layer=conv1&channel=4');
    expect(withFocus('?model=lenet&layer=conv1&channel=4&view=explain', { layer: 'conv2', channel: 9 })).toBe('?model=lenet&layer=conv2&channel=9&view=explain');
    expect(withFocus('?model=lenet&view=explain&layer=conv1&channel=4', null)).toBe('?model=lenet&view=explain');
    expect(withFocus('?layer=conv1&channel=4', null)).toBe('');
  });

  it('links to the Explain view of a model on one channel', () => {
    const href = lookForHref('lenet', { layer: 'conv2', channel: 13 });
    expect(href).toBe('?model=lenet&view=explain&layer=conv2&channel=13');
    expect(readFocus(href)).toEqual({ layer: 'conv2', channel: 13 });
  });

  it('leaves clicks that open a new tab or window to the browser', () => {
    const plain = { button: 0, metaKey: false, ctrlKey: false, shiftKey: false, altKey: false };
    expect(opensElsewhere(plain)).toBe(false);
    expect(opensElsewhere({ ...plain, button: 1 })).toBe(true);
    expect(opensElsewhere({ ...plain, ctrlKey: true })).toBe(true);
    expect(opensElsewhere({ ...plain, metaKey: true })).toBe(true);
    expect(opensElsewhere({ ...plain, shiftKey: true })).toBe(true);
  });
});
