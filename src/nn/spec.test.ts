/**
 * parseModelSpec's size limits and shape inference: each limit refused at once (before anything
 * is allocated) with the layer and the limit named; planModel's shapes, tensors and counts equal
 * those of the model actually built, for the zoo and for random specs.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseModelSpec, type LayerSpec, type ModelSpec } from './spec.js';
import { SPEC_LIMITS, planModel } from './spec-shapes.js';
import { Sequential } from './model.js';
import { ZOO } from '../models/zoo.js';
import { SpecError } from '../engine/errors.js';

/**
 * Refused with `message`, in well under a millisecond of arithmetic. The bound is 500 ms: a loaded
 * 2-core CI machine took 78 ms once; building the refused layer (10⁹ weights, 4 GB) takes seconds.
 */
function refusedQuickly(spec: unknown, message: string): void {
  const start = performance.now();
  expect(() => parseModelSpec(spec)).toThrow(SpecError);
  expect(() => parseModelSpec(spec)).toThrow(message);
  expect((performance.now() - start) / 2).toBeLessThan(500);
}

const relus = (n: number): LayerSpec[] => Array.from({ length: n }, () => ({ kind: 'relu' as const }));

describe('parseModelSpec size limits', () => {
  it('dense: 10⁹ units over 1,000 inputs (and the 10⁶ of the 136-byte file)', () => {
    refusedQuickly({ input: [1000], layers: [{ kind: 'dense', units: 1e9 }] }, 'model spec: layers[0] (dense): dense1: 1,000,000,000 units is over the limit of 65,536');
    refusedQuickly({ input: [1000], layers: [{ kind: 'dense', units: 1e6 }] }, 'dense1: 1,000,000 units is over the limit of 65,536');
  });

  it('conv2d: 10⁹ output channels, a 10⁵-wide kernel with pad same, a pad of 5,000', () => {
    refusedQuickly({ input: [1, 28, 28], layers: [{ kind: 'conv2d', outC: 1e9, k: 1 }] }, 'layers[0] (conv2d): conv1: 1,000,000,000 output channels is over the limit of 65,536');
    refusedQuickly({ input: [1, 28, 28], layers: [{ kind: 'conv2d', outC: 1, k: [1, 1e5], pad: 'same' }] }, 'layers[0] (conv2d): conv1: kernel side 100,000 is over the limit of 1,024');
    refusedQuickly({ input: [1, 28, 28], layers: [{ kind: 'conv2d', outC: 1, k: 3, pad: 5000 }] }, 'conv1: padding 5,000 is over the limit of 1,024');
    refusedQuickly({ input: [1, 28, 28], layers: [{ kind: 'conv2d', outC: 1, k: 3, dilation: [1, 2000] }] }, 'conv1: dilation 2,000 is over the limit of 1,024');
  });

  it('pooling: a stride of 4,096', () => {
    refusedQuickly({ input: [1, 28, 28], layers: [{ kind: 'maxpool2d', size: 2, stride: 4096 }] }, 'layers[0] (maxpool2d): pool1: stride 4,096 is over the limit of 1,024');
  });

  it('10⁴ ReLU layers, counted before any layer is checked', () => {
    refusedQuickly({ input: [1, 28, 28], layers: [{ kind: 'flatten' }, ...relus(1e4)] }, 'model spec: 10,001 layers is over the limit of 1,000');
    expect(() => parseModelSpec({ input: [1, 28, 28], layers: [{ kind: 'flatten' }, ...relus(999)] })).not.toThrow();
  });

  it('input: rank, any dimension, values per sample', () => {
    refusedQuickly({ input: [1, 1, 1, 1, 1], layers: [{ kind: 'flatten' }] }, "model spec: 'input' [1,1,1,1,1] has 5 dimensions, over the limit of 4");
    refusedQuickly({ input: [1, 100000], layers: [{ kind: 'flatten' }] }, "model spec: 'input'[1] is 100,000, over the limit of 65,536 per dimension");
    refusedQuickly({ input: [64, 1024, 1024], layers: [{ kind: 'flatten' }] }, "'input' [64,1024,1024] is 67,108,864 (2^26) values per sample, over the limit of 16,777,216 (2^24)");
  });

  it('parameters in total: 2^26 values (256 MiB of float32)', () => {
    refusedQuickly(
      { input: [1024], layers: [{ kind: 'dense', units: 65536 }] },
      'layers[0] (dense): dense1: its weight [65536,1024] brings the model to 67,174,400 parameter values, over the limit of 67,108,864 (2^26) (256 MiB of float32)',
    );
    // each layer alone fits; together they do not
    refusedQuickly(
      { input: [4096], layers: [{ kind: 'dense', units: 8192 }, { kind: 'dense', units: 4096 }] },
      'layers[1] (dense): dense2: its weight [4096,8192] brings the model to 67,121,152 parameter values, over the limit of 67,108,864 (2^26)',
    );
  });

  it("activations: one layer's output, a conv's unfolded input, every output of the trace together", () => {
    refusedQuickly({ input: [1, 1024, 1024], layers: [{ kind: 'conv2d', outC: 32, k: 3, pad: 'same' }] }, 'conv1: its output [32,1024,1024] is 33,554,432 (2^25) values per sample, over the limit of 16,777,216 (2^24)');
    refusedQuickly({ input: [64, 256, 256], layers: [{ kind: 'conv2d', outC: 1, k: 3, pad: 'same' }] }, 'conv1: its unfolded input (C·kH·kW × oH·oW) is 37,748,736 values per sample, over the limit of 16,777,216 (2^24)');
    refusedQuickly({ input: [1, 2048, 2048], layers: relus(20) }, "layers[15] (relu): relu16: the layers' outputs reach 71,303,168 values per sample together, over the limit of 67,108,864 (2^26) (a trace keeps every one)");
  });

  it('multiply-adds per sample: 2^32', () => {
    refusedQuickly({ input: [256, 64, 64], layers: [{ kind: 'conv2d', outC: 4096, k: 4, pad: 'same' }] }, 'conv1: it brings the model to 68,719,476,736 (2^36) multiply-adds per sample, over the limit of 4,294,967,296 (2^32)');
  });

  it('labels: one per output, at most 65,536, each at most 256 characters', () => {
    const digits = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    refusedQuickly(
      { input: [1, 28, 28], layers: [{ kind: 'flatten' }, ...relus(3)], labels: digits },
      "model spec: 'labels' names 10 classes but the last layer (relu3) gives 784 values per sample [784]; a classifier has one output per label",
    );
    refusedQuickly({ input: [2], layers: [{ kind: 'relu' }], labels: Array(70000).fill('x') }, "'labels' has 70,000 entries, over the limit of 65,536");
    refusedQuickly({ input: [1], layers: [{ kind: 'relu' }], labels: ['x'.repeat(300)] }, "'labels'[0] is 300 characters, over the limit of 256");
    expect(parseModelSpec({ input: [1, 28, 28], layers: [{ kind: 'flatten' }, { kind: 'dense', units: 10 }], labels: digits }).labels).toEqual(digits);
  });

  it('normalize: finite numbers (JSON 1e999 parses as Infinity)', () => {
    refusedQuickly(JSON.parse('{"input":[4],"layers":[{"kind":"relu"}],"normalize":{"mean":1e999,"std":1}}'), "'normalize' must be { mean: finite number, std: finite number > 0 }, got mean Infinity, std 1");
    refusedQuickly(JSON.parse('{"input":[4],"layers":[{"kind":"relu"}],"normalize":{"mean":0,"std":1e999}}'), 'got mean 0, std Infinity');
  });

  it('a layer name of 300 characters', () => {
    refusedQuickly({ input: [4], layers: [{ kind: 'relu', name: 'a'.repeat(300) }] }, "layers[0]: 'name' must be an identifier of at most 256 characters");
  });

  it('Sequential refuses before allocating: a 10⁹-unit layer costs no time', () => {
    const start = performance.now();
    expect(() => new Sequential({ input: [1000], layers: [{ kind: 'dense', units: 1e9 }] })).toThrow('1,000,000,000 units is over the limit of 65,536');
    expect(performance.now() - start).toBeLessThan(50);
  });

  it('the limits are far above every zoo model', () => {
    for (const z of Object.values(ZOO)) {
      const plan = planModel(z.spec);
      expect(plan.storedValues).toBeLessThan(SPEC_LIMITS.values / 100);
      expect(plan.macsPerSample).toBeLessThan(SPEC_LIMITS.macs / 100);
      expect(plan.layers.length).toBeLessThan(SPEC_LIMITS.layers / 50);
    }
  });
});

describe('planModel (shape inference)', () => {
  function agrees(spec: ModelSpec): void {
    const plan = planModel(spec);
    const m = new Sequential(spec, 1);
    expect(plan.layers.map((l) => [l.name, l.kind, l.outShape, l.macsPerSample])).toEqual(m.layers.map((l) => [l.name, l.kind, [...l.outShape], l.macsPerSample]));
    expect(plan.layers.flatMap((l) => l.params.map((t) => [t.name, t.shape]))).toEqual(m.params.map((p) => [p.name, [...p.value.shape]]));
    expect(plan.layers.flatMap((l) => l.buffers.map((t) => [t.name, t.shape]))).toEqual(m.buffers.map((b) => [b.name, [...b.value.shape]]));
    expect([plan.paramCount, plan.macsPerSample, plan.outShape]).toEqual([m.paramCount, m.macsPerSample, [...m.outputShape]]);
  }

  it.each(Object.keys(ZOO))('agrees with the built model: zoo %s', (name) => agrees(ZOO[name].spec));

  it('agrees with the built model on random image specs (conv k/stride/dilation/pad, pools, batchnorm, dense)', () => {
    const image: fc.Arbitrary<LayerSpec> = fc.oneof(
      fc.record({
        kind: fc.constant('conv2d' as const),
        outC: fc.integer({ min: 1, max: 4 }),
        k: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))),
        stride: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))),
        dilation: fc.integer({ min: 1, max: 2 }),
        pad: fc.oneof(fc.constantFrom('valid' as const, 'same' as const), fc.integer({ min: 0, max: 2 }), fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2))),
      }),
      fc.record({ kind: fc.constantFrom('maxpool2d' as const, 'avgpool2d' as const), size: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 3 }) }),
      fc.constantFrom<LayerSpec>({ kind: 'relu' }, { kind: 'batchnorm' }, { kind: 'tanh' }, { kind: 'dropout', rate: 0.5 }),
    );
    const spec = fc.record({
      input: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 4, max: 14 }), fc.integer({ min: 4, max: 14 })),
      image: fc.array(image, { maxLength: 5 }),
      head: fc.array(fc.oneof(fc.record({ kind: fc.constant('dense' as const), units: fc.integer({ min: 1, max: 8 }), bias: fc.boolean() }), fc.constantFrom<LayerSpec>({ kind: 'batchnorm' }, { kind: 'sigmoid' })), { maxLength: 3 }),
    });
    let built = 0;
    fc.assert(
      fc.property(spec, ({ input, image: convs, head }) => {
        const s: ModelSpec = { input, layers: [...convs, { kind: 'flatten' }, ...head] };
        let ok = true;
        try {
          parseModelSpec(s);
        } catch (e) {
          if (!(e instanceof SpecError)) throw e;
          ok = false; // a window that does not fit: Sequential must refuse it too
          expect(() => new Sequential(s)).toThrow(SpecError);
        }
        if (ok) {
          agrees(s);
          built++;
        }
      }),
      { numRuns: 300 },
    );
    expect(built).toBeGreaterThan(100);
  });
});
