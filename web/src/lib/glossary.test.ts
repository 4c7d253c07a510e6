/** Every layer kind the engine knows has a plain name and a glossary entry with a paragraph and a formula. */
import { describe, expect, it } from 'vitest';
import { GLOSSARY, glossaryEntry, kindLabel, termForKind, type TermId } from './glossary.js';
import type { LayerKind } from '../../../src/nn/spec.js';

const KINDS: readonly LayerKind[] = ['dense', 'conv2d', 'maxpool2d', 'avgpool2d', 'relu', 'leakyrelu', 'sigmoid', 'tanh', 'softmax', 'flatten', 'dropout', 'batchnorm'];
/** the layer kinds the issue names, beyond the engine's: activation, deskew, normalisation */
const REQUIRED: readonly TermId[] = ['conv', 'maxpool', 'flatten', 'dense', 'activation', 'softmax', 'batchnorm', 'dropout', 'deskew', 'normalisation', 'logit', 'probability', 'kernel'];

describe('glossary', () => {
  it('has one entry per id, each with a paragraph of at least one sentence and a formula', () => {
    const ids = GLOSSARY.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of GLOSSARY) {
      expect(e.text.length, e.id).toBeGreaterThan(60);
      expect(e.text.endsWith('.'), e.id).toBe(true);
      expect(e.formula.length, e.id).toBeGreaterThan(4);
    }
  });

  it('explains every layer kind the issue names', () => {
    for (const id of REQUIRED) expect(glossaryEntry(id).id).toBe(id);
  });

  it('maps every engine layer kind to an entry and to a plain name that is not the engine identifier', () => {
    for (const k of KINDS) {
      expect(glossaryEntry(termForKind(k)).group).toBe('layer');
      expect(kindLabel(k)).not.toMatch(/2d$/);
    }
    expect(kindLabel('maxpool2d')).toBe('max pooling');
    expect(kindLabel('conv2d')).toBe('convolution');
  });
});
