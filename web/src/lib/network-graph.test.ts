/**
 * Every zoo model as neurons and connections: tiny's 1 → 2 → 2 → 4 → 4 → 10 channel-and-unit
 * structure, LeNet's columns, the mlp's pixel connections, and connection weights that match the
 * kernels and dense weights they summarise.
 */
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../../src/nn/model.js';
import { Tensor } from '../../../src/engine/tensor.js';
import { ZOO } from '../../../src/models/zoo.js';
import type { Conv2d } from '../../../src/nn/layers/conv2d.js';
import type { Dense } from '../../../src/nn/layers/dense.js';
import { networkGraph, nodeValues } from './network-graph.js';

describe('networkGraph', () => {
  it('tiny: input image → conv1+relu1 (2 channels) → pool1 (2) → conv2+sigmoid1 (4) → pool2 (4) → dense1 (10 units)', () => {
    const m = new Sequential(ZOO['tiny'].spec, 1);
    const g = networkGraph(m);
    expect(g.columns.map((c) => [c.kind, c.nodeKind, c.total, c.layers.map((i) => (i < 0 ? 'input' : m.layers[i].name)).join('+')])).toEqual([
      ['input', 'image', 1, 'input'],
      ['conv2d', 'channels', 2, 'conv1+relu1'],
      ['maxpool2d', 'channels', 2, 'pool1'],
      ['conv2d', 'channels', 4, 'conv2+sigmoid1'],
      ['maxpool2d', 'channels', 4, 'pool2+flatten1'],
      ['dense', 'units', 10, 'dense1'],
    ]);
    // every channel-to-channel connection is kept (2×1, 2, 4×2, 4, 10×4)
    expect(g.edges.map((e) => e.edges.length)).toEqual([0, 2, 2, 8, 4, 40]);
    expect(g.edges[2].edges.every((e) => e.pass && e.from === e.to)).toBe(true);
  });

  it("a conv connection is the signed L2 norm of that kernel's slice; a dense one after flatten sums the channel's H·W weights", () => {
    const m = new Sequential(ZOO['tiny'].spec, 2);
    const g = networkGraph(m);
    const conv2 = m.layers[3] as Conv2d;
    const e = g.edges[3].edges.find((x) => x.from === 1 && x.to === 2);
    const slice = conv2.weight.value.data.subarray((2 * 2 + 1) * 9, (2 * 2 + 2) * 9);
    const norm = Math.sqrt(slice.reduce((a, v) => a + v * v, 0));
    const sign = slice.reduce((a, v) => a + v, 0) < 0 ? -1 : 1;
    expect(e?.w).toBeCloseTo(sign * norm, 6);
    const dense = m.layers[7] as Dense;
    const d = g.edges[5].edges.find((x) => x.from === 3 && x.to === 7);
    const ws = dense.weight.value.data.subarray(7 * 100 + 3 * 25, 7 * 100 + 4 * 25);
    expect(Math.abs(d?.w ?? 0)).toBeCloseTo(Math.sqrt(ws.reduce((a, v) => a + v * v, 0)), 6);
  });

  it('mlp: dense1 connects from pixels (the 240 strongest of 16×784), then unit to unit; lenet caps wide columns at 32 nodes and 160 connections', () => {
    const mlp = new Sequential(ZOO['mlp'].spec, 1);
    const g = networkGraph(mlp);
    expect(g.columns.map((c) => c.total)).toEqual([1, 16, 16, 10]);
    expect(g.columns.map((c) => c.out)).toEqual([0, 2, 4, 5]);
    expect(g.edges[1].fromPixels).toBe(true);
    expect(g.edges[1].edges).toHaveLength(240);
    const w = (mlp.layers[1] as Dense).weight.value.data;
    const top = [...w].map(Math.abs).sort((a, b) => b - a)[0];
    expect(g.edges[1].max).toBeCloseTo(top, 6);
    expect(g.edges[2].edges).toHaveLength(160);
    const lenet = networkGraph(new Sequential(ZOO['lenet'].spec, 1));
    expect(lenet.columns.map((c) => c.total)).toEqual([1, 20, 20, 50, 50, 500, 10]);
    expect(lenet.edges[3].edges.length).toBe(160);
  });
});

describe('nodeValues', () => {
  it("a channel node is its map's largest value, selecting that pixel; a unit node is the unit", () => {
    const m = new Sequential(ZOO['tiny'].spec, 1);
    const x = new Tensor([1, 1, 28, 28]);
    for (let i = 0; i < 784; i++) x.data[i] = (i * 37) % 11 === 0 ? 1 : 0;
    const trace = m.forward(x);
    const g = networkGraph(m);
    const conv1 = nodeValues(m, trace, g.columns[1], 32);
    const y = trace.steps[1].cache.y.data;
    const ch1 = y.subarray(576, 1152);
    expect(conv1[1].value).toBe(Math.max(...ch1));
    expect(y[conv1[1].index]).toBe(conv1[1].value);
    expect(conv1[1].index).toBeGreaterThanOrEqual(576);
    const out = nodeValues(m, trace, g.columns[5], 32);
    expect(out.map((n) => n.value)).toEqual([...trace.steps[7].cache.y.data]);
  });
});
