import { describe, expect, it } from 'vitest';
import { ZOO } from '../../../src/models/zoo.js';
import { addLayer, checkDraft, draftOf, moveLayer, removeLayer, setField, setKind, specOf } from './train-editor.js';

const cnn = (): ReturnType<typeof draftOf> => draftOf(ZOO['cnn'].spec);

describe('train-editor', () => {
  it('cnn as it comes: every layer shape and the parameter count', () => {
    const c = checkDraft(cnn());
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(c.rows.map((r) => r.outShape)).toEqual([[8, 24, 24], [8, 24, 24], [8, 12, 12], [16, 8, 8], [16, 8, 8], [16, 4, 4], [256], [64], [64], [10]]);
    // conv1 8·25+8, conv2 16·8·25+16, dense1 64·256+64, dense2 10·64+10
    expect(c.paramCount).toBe(208 + 3216 + 16448 + 650);
    expect(c.rows.map((r) => r.name).slice(0, 4)).toEqual(['conv1', 'relu1', 'pool1', 'conv2']);
  });

  it('conv1 outC 8→12: conv1, conv2 and the count change, later shapes do not', () => {
    const c = checkDraft(setField(cnn(), 0, 'outC', 12));
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(c.rows[0].outShape).toEqual([12, 24, 24]);
    expect(c.rows[0].params).toBe(12 * 25 + 12);
    expect(c.rows[3].params).toBe(16 * 12 * 25 + 16);
    expect(c.rows[6].outShape).toEqual([256]);
    expect(c.paramCount).toBe(312 + 4816 + 16448 + 650);
  });

  it('conv1 pad same: 28×28 maps, and the flatten and dense1 grow to match', () => {
    const c = checkDraft(setField(cnn(), 0, 'pad', 'same'));
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(c.rows[0].outShape).toEqual([8, 28, 28]);
    expect(c.rows[6].outShape).toEqual([16 * 5 * 5]);
    expect(c.rows[7].params).toBe(64 * 400 + 64);
  });

  it('conv1 stride 2: 12×12 maps', () => {
    const c = checkDraft(setField(cnn(), 0, 'stride', 2));
    expect(c.ok && c.rows[0].outShape).toEqual([8, 12, 12]);
  });

  it('refuses a kernel larger than its input, naming the layer, and keeps the shapes before it', () => {
    const c = checkDraft(setField(cnn(), 3, 'k', 13));
    expect(c.ok).toBe(false);
    if (c.ok) return;
    expect(c.layer).toBe(3);
    expect(c.error).toBe('model spec: layers[3] (conv2d): conv2: a 13×13 kernel (dilation 1×1) does not fit input 12×12 with padding [0,0,0,0]');
    expect(c.rows.map((r) => r.name)).toEqual(['conv1', 'relu1', 'pool1']);
  });

  it('refuses a dense layer on image input (flatten removed) and says to add a flatten', () => {
    const c = checkDraft(removeLayer(cnn(), 6));
    expect(c.ok).toBe(false);
    if (c.ok) return;
    expect(c.layer).toBe(6);
    expect(c.error).toContain('dense takes flat input [N,features], got per-sample [16,4,4]; add a flatten layer before it');
  });

  it('refuses a last layer that does not give one output per label', () => {
    const c = checkDraft(setField(cnn(), 9, 'units', 7));
    expect(c.ok).toBe(false);
    if (c.ok) return;
    expect(c.layer).toBeNull();
    expect(c.error).toContain("'labels' names 10 classes but the last layer (dense2) gives 7 values per sample");
    expect(c.rows).toHaveLength(10);
  });

  it('refuses a zero, a fraction or an empty field with the spec check message', () => {
    const zero = checkDraft(setField(cnn(), 0, 'outC', 0));
    expect(!zero.ok && zero.error).toBe("model spec: layers[0]: 'outC' must be a positive integer (or a pair), got 0");
    const frac = checkDraft(setField(cnn(), 7, 'units', 2.5));
    expect(!frac.ok && frac.error).toBe("model spec: layers[7]: 'units' must be a positive integer (or a pair), got 2.5");
    const nan = checkDraft(setField(cnn(), 7, 'units', Number.NaN));
    expect(!nan.ok && nan.error).toBe("model spec: layers[7]: 'units' must be a positive integer (or a pair), got null");
    const rate = checkDraft(setField(addLayer(cnn(), 8, 'dropout'), 8, 'rate', 1));
    expect(!rate.ok && rate.error).toBe("model spec: layers[8]: dropout 'rate' must be in [0, 1), got 1");
  });

  it('refuses every layer removed', () => {
    let d = cnn();
    while (d.layers.length) d = removeLayer(d, 0);
    const c = checkDraft(d);
    expect(!c.ok && c.error).toBe("model spec: 'layers' must be a non-empty array");
  });

  it('adds batch norm and dropout: batch norm has 2 parameters per channel, dropout none', () => {
    const d = addLayer(addLayer(cnn(), 1, 'batchnorm'), 10, 'dropout');
    const c = checkDraft(d);
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(c.rows[1]).toMatchObject({ kind: 'batchnorm', name: 'bn1', outShape: [8, 24, 24], params: 16 });
    expect(c.rows[10]).toMatchObject({ kind: 'dropout', outShape: [64], params: 0 });
    expect(c.paramCount).toBe(208 + 16 + 3216 + 16448 + 650);
  });

  it('moves a layer and keeps every row id; a move past the end does nothing', () => {
    const d = cnn();
    const moved = moveLayer(d, 2, -1); // pool1 before relu1
    expect(specOf(moved).layers.slice(0, 3).map((l) => l.kind)).toEqual(['conv2d', 'maxpool2d', 'relu']);
    expect(new Set(moved.layers.map((l) => l.id))).toEqual(new Set(d.layers.map((l) => l.id)));
    expect(checkDraft(moved).ok).toBe(true);
    expect(moveLayer(d, 0, -1)).toBe(d);
    expect(moveLayer(d, 9, 1)).toBe(d);
  });

  it('swaps relu for tanh and max for average pooling in place', () => {
    const d = setKind(setKind(cnn(), 1, 'tanh'), 2, 'avgpool2d');
    const c = checkDraft(d);
    expect(c.ok && c.rows.slice(1, 3).map((r) => `${r.kind} ${r.name}`)).toEqual(['tanh tanh1', 'avgpool2d pool1']);
    expect(specOf(d).layers[2]).toEqual({ kind: 'avgpool2d', size: 2 });
  });

  it('an emptied stride falls back to the default rather than failing', () => {
    const d = setField(setField(cnn(), 0, 'stride', 2), 0, 'stride', '');
    expect(specOf(d).layers[0]).toEqual({ kind: 'conv2d', outC: 8, k: 5 });
  });

  it('does not change the spec it started from', () => {
    const before = JSON.stringify(ZOO['cnn'].spec);
    setField(removeLayer(cnn(), 0), 0, 'outC', 3);
    expect(JSON.stringify(ZOO['cnn'].spec)).toBe(before);
  });
});
