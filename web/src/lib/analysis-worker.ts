/**
 * A Web Worker for the Explain view's slow work: integrated gradients, SmoothGrad and occlusion,
 * adversarial attacks and fooling images, all by src/explain's own functions on the worker's own
 * copy of the model (decoded from the same model file, lib/models.ts). Latest input wins: the
 * slow attribution methods take turns, each computing the newest input there is when its turn
 * comes (so while a digit is drawn every map keeps moving, none starved), integrated gradients
 * doubling its steps one turn at a time until its gap is under 1%; attacks and fooling
 * images run one at a time, a newer request replacing the one waiting. Occlusion reports its
 * windows row by row as it sweeps.
 * Runs the WebAssembly SIMD kernels on one thread (the page keeps the other core).
 */
import { Tensor } from '../../../src/engine/tensor.js';
import { selectKernels } from '../../../src/engine/kernels/wasm/select.js';
import { attack, foolingImage, integratedGradients, occlusion, smoothGrad } from '../../../src/explain/index.js';
import { loadModel } from './models.js';
import { LatestWins, nextBehind } from './latest-wins.js';
import { IG_STEPS, IG_TOLERANCE, OCCLUSION_STRIDE, OCCLUSION_WINDOW, SLOW_METHODS, type AnalysisReply, type AnalysisRequest, type SlowMethod } from './analysis-protocol.js';

interface WorkerScope {
  postMessage(message: AnalysisReply, transfer: Transferable[]): void;
  onmessage: ((e: MessageEvent<AnalysisRequest>) => void) | null;
}
const scope = self as unknown as WorkerScope;

function post(m: AnalysisReply, ...buffers: Float32Array[]): void {
  scope.postMessage(
    m,
    buffers.map((b) => b.buffer as ArrayBuffer),
  );
}

const kernelsReady = selectKernels('auto', { threads: 1 }).then(
  (k) => post({ kind: 'engine', label: k.name === 'wasm' ? 'WebAssembly SIMD, 1 thread' : 'TypeScript reference' }),
  (e: unknown) => post({ kind: 'engine', label: `TypeScript reference (${e instanceof Error ? e.message : String(e)})` }),
);

/** Lets queued messages in (so a newer request can overtake this one). */
const yieldToMessages = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

type AttributionsRequest = Extract<AnalysisRequest, { kind: 'attributions' }>;

/** How far integrated gradients has come on a request: the index into IG_STEPS of its last run. */
let igLevel = { id: 0, level: -1 };

/**
 * One turn of a slow method on one request: its map (and occlusion's windows as they come) go to
 * the page. Returns whether the method is done with the request (integrated gradients may need
 * further turns with more steps).
 */
async function runMethod(req: AttributionsRequest, method: SlowMethod): Promise<boolean> {
  const model = await loadModel(req.info);
  const x = new Tensor([1, ...model.inputShape], req.pixels);
  const { id, target } = req;
  const t0 = performance.now();
  if (method === 'integrated-gradients') {
    const level = igLevel.id === id ? igLevel.level + 1 : 0;
    const r = integratedGradients(model, x, { target, steps: IG_STEPS[level] });
    igLevel = { id, level };
    const map = r.map.data.slice();
    const final = r.gaps[0] < IG_TOLERANCE || level === IG_STEPS.length - 1;
    const ig = { score: r.scores[0], baselineScore: r.baselineScores[0], gap: r.gaps[0], steps: r.steps[0], final };
    post({ kind: 'map', id, method, target, map, ms: performance.now() - t0, ig }, map);
    return final;
  } else if (method === 'smoothgrad') {
    const map = smoothGrad(model, x, { target }).map.data.slice();
    post({ kind: 'map', id, method, target, map, ms: performance.now() - t0 }, map);
  } else if (model.inputShape.length === 3) {
    // one row of windows per batch, each row sent as soon as it is computed
    const W = model.inputShape[2];
    const perRow = Math.floor((W - OCCLUSION_WINDOW) / OCCLUSION_STRIDE) + 1 + ((W - OCCLUSION_WINDOW) % OCCLUSION_STRIDE ? 1 : 0);
    let row: number[] = [];
    const r = occlusion(model, x, { target, window: OCCLUSION_WINDOW, stride: OCCLUSION_STRIDE, batch: perRow }, (_n, y, xx, drop) => {
      row.push(y, xx, drop);
      if (row.length === 3 * perRow) {
        const windows = Float32Array.from(row);
        row = [];
        post({ kind: 'windows', id, target, windows }, windows);
      }
    });
    const map = r.map.data.slice();
    post({ kind: 'map', id, method, target, map, ms: performance.now() - t0 }, map);
  }
  return true;
}

// The slow attributions: each method in turn catches up with the newest request (nextBehind).
let newest: AttributionsRequest | null = null;
const doneIds = SLOW_METHODS.map(() => 0);
let lastMethod = -1;
let cycling = false;

async function cycleAttributions(): Promise<void> {
  cycling = true;
  await kernelsReady;
  for (let i = nextBehind(doneIds, newest?.id ?? 0, lastMethod); i !== null && newest; i = nextBehind(doneIds, newest.id, lastMethod)) {
    const req = newest;
    let done = true;
    try {
      done = await runMethod(req, SLOW_METHODS[i]);
    } catch (e) {
      post({ kind: 'error', id: req.id, message: e instanceof Error ? e.message : String(e) });
    }
    // a method not yet done with this request comes round again after the others
    doneIds[i] = done ? req.id : req.id - 1;
    lastMethod = i;
    // let newer requests in before choosing the next method
    await yieldToMessages();
  }
  cycling = false;
}

/** Attacks and fooling images: one at a time, the newest waiting one replacing older ones. */
async function handle(req: AnalysisRequest): Promise<void> {
  await kernelsReady;
  const model = await loadModel(req.info);
  if (req.kind === 'attack') {
    const t0 = performance.now();
    const x = new Tensor([1, ...model.inputShape], req.pixels);
    const r = attack(model, x, { method: req.method, eps: req.eps, target: req.target });
    const adversarial = r.adversarial.data.slice();
    const perturbation = r.perturbation.data.slice();
    const probabilities = r.probabilities.data.slice();
    post(
      { kind: 'attack', id: req.id, method: req.method, eps: req.eps, target: req.target, adversarial, perturbation, before: r.before[0], after: r.after[0], probabilities, ms: performance.now() - t0 },
      adversarial,
      perturbation,
      probabilities,
    );
  } else if (req.kind === 'fool') {
    const t0 = performance.now();
    const r = foolingImage(model, req.target);
    const image = r.image.slice();
    const noise = r.noise.slice();
    post({ kind: 'fool', id: req.id, target: r.target, image, noise, eps: r.eps, confidence: r.confidence, reached: r.reached, method: r.method, ms: performance.now() - t0 }, image, noise);
  }
  post({ kind: 'done', id: req.id });
}

const runner = new LatestWins<AnalysisRequest>(handle, (e, req) => {
  post({ kind: 'error', id: req.id, message: e instanceof Error ? e.message : String(e) });
  post({ kind: 'done', id: req.id });
});

scope.onmessage = (e) => {
  const req = e.data;
  if (req.kind === 'attributions') {
    newest = req;
    if (!cycling) void cycleAttributions();
  } else runner.submit(req);
};
