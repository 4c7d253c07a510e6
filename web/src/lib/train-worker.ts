/**
 * The training worker: the one owner of the model being trained. It runs src/train's
 * TrainingSession (train() unchanged) on the WebAssembly SIMD kernels with their own worker
 * threads where the page is cross-origin isolated, on one thread where it is not, or on the
 * TypeScript reference when asked ('ts'); fetches and decodes the data (train-worker-data.ts);
 * and answers the page's requests (train-protocol.ts) between batches. The session lets messages
 * in every few milliseconds while it trains, so pause, step, stop and snapshot land at the next
 * batch boundary.
 */
import { selectKernels } from '../../../src/engine/kernels/wasm/select.js';
import { defaultWebThreads, spawnWebWorker } from '../../../src/engine/kernels/wasm/web-threads.js';
import type { FastKernels } from '../../../src/engine/kernels/wasm/index.js';
import { Sequential } from '../../../src/nn/model.js';
import { parseModelSpec } from '../../../src/nn/spec.js';
import { ZOO, ZOO_NAMES } from '../../../src/models/zoo.js';
import { decodeModelFile } from '../../../src/io/model-file.js';
import { TrainingSession } from '../../../src/train/session.js';
import { kernelsLabel, RunRecorder } from '../../../src/train/run-log.js';
import { DEFAULT_CADENCE, type SessionEvent } from '../../../src/train/session-protocol.js';
import type { Recipe } from '../../../src/train/trainer.js';
import { ServedData, runData } from './train-worker-data.js';
import type { TrainReply, TrainRequest, TrainSettings } from './train-protocol.js';

interface WorkerScope {
  postMessage(message: TrainReply, transfer: Transferable[]): void;
  onmessage: ((e: MessageEvent<TrainRequest>) => void) | null;
  location: { href: string };
  crossOriginIsolated?: boolean;
}
const scope = self as unknown as WorkerScope;

function post(m: TrainReply, transfer: Transferable[] = []): void {
  scope.postMessage(m, transfer);
}

const served = new ServedData(scope.location.href);

// A macrotask that comes back at once (setTimeout is clamped to 4 ms when nested): lets the
// page's messages in between batches without slowing training down.
const channel = new MessageChannel();
let waiting: (() => void)[] = [];
channel.port1.onmessage = () => {
  const w = waiting;
  waiting = [];
  for (const f of w) f();
};
const yieldToHost = (): Promise<void> =>
  new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });

/** The kernels in use and the choice they were made for. */
let installed: { key: string; kernels: FastKernels } | null = null;

async function useKernels(choice: 'auto' | 'ts', threads: number): Promise<FastKernels> {
  const key = `${choice}/${threads}`;
  if (installed?.key === key) return installed.kernels;
  const previous = installed?.kernels;
  const k = choice === 'ts' ? await selectKernels('ts') : await selectKernels('auto', { threads, spawnWorker: spawnWebWorker });
  installed = { key, kernels: k };
  if (previous && previous !== k) await previous.dispose();
  const label = k.name === 'wasm' ? `WebAssembly SIMD, ${k.threads} thread${k.threads === 1 ? '' : 's'}` : 'TypeScript reference';
  post({ kind: 'engine', label, fallback: choice === 'ts' ? null : k.fallback });
  return k;
}

function buildModel(s: TrainSettings): { model: Sequential; name: string } {
  const m = s.model;
  if (m.kind === 'zoo') {
    const entry = ZOO[m.name];
    if (!entry) throw new Error(`unknown zoo model '${m.name}'; the zoo has ${ZOO_NAMES.join(', ')}`);
    return { model: new Sequential(entry.spec, s.seed), name: entry.name };
  }
  if (m.kind === 'spec') return { model: new Sequential(parseModelSpec(m.spec, 'the edited network'), s.seed), name: m.name ?? 'custom' };
  const loaded = decodeModelFile(m.bytes, m.name ?? 'the model file');
  return { model: loaded.model, name: m.name ?? loaded.metadata.name ?? 'model' };
}

function recipeOf(s: TrainSettings): Recipe {
  return {
    epochs: s.epochs,
    batchSize: s.batchSize,
    optimizer: s.optimizer,
    lr: s.lr,
    schedule: s.schedule,
    loss: 'xent',
    seed: s.seed,
    augment: s.augment,
    ...(s.data.kind === 'served' && s.data.limit !== undefined ? { limit: s.data.limit } : {}),
  };
}

let session: TrainingSession | null = null;
let recorder: RunRecorder | null = null;
/** grows with every start: a start superseded while it was loading gives up */
let generation = 0;

function forward(e: SessionEvent): void {
  recorder?.add(e);
  const transfer = e.type === 'weights' ? e.layers.flatMap((l) => (l.bias ? [l.weight.buffer, l.bias.buffer] : [l.weight.buffer])) : [];
  post({ kind: 'event', event: e }, transfer as Transferable[]);
}

async function start(settings: TrainSettings): Promise<void> {
  const mine = ++generation;
  const old = session;
  session = null;
  recorder = null;
  if (old) await old.stop();
  try {
    // by default one core is left to the page, so drawing and plotting never wait for training
    const threads = Math.max(1, Math.min(settings.threads ?? defaultWebThreads() - 1, 8));
    const k = await useKernels(settings.kernels ?? 'auto', threads);
    if (mine !== generation) return;
    const { model, name } = buildModel(settings);
    const classes = model.outputShape.reduce((a, b) => a * b, 1);
    const data = await runData(settings.data, classes, settings.augment, served, (progress) => post({ kind: 'loading', progress }));
    if (mine !== generation) return;
    post({ kind: 'data', train: data.train.size, test: data.test.size, name: data.name });
    const recipe = recipeOf(settings);
    const cadence = { ...DEFAULT_CADENCE, ...settings.cadence };
    const s = new TrainingSession({ model, train: data.train, test: data.test, recipe, cadence, name, dataset: data.provenance, yieldToHost, now: () => performance.now() });
    recorder = new RunRecorder({ name, spec: model.spec, recipe, dataset: data.name, kernels: kernelsLabel(k), origin: 'browser', every: cadence.progressEvery }, () => performance.now());
    s.onEvent(forward);
    session = s;
    await s.start({ paused: settings.startPaused === true });
  } catch (e) {
    if (mine !== generation) return;
    post({ kind: 'failed', id: null, message: e instanceof Error ? e.message : String(e) });
    post({ kind: 'event', event: { type: 'state', state: 'failed', position: { step: 0, epoch: 0, batch: 0, totalSteps: 0, stepsPerEpoch: 0 } } });
  }
}

scope.onmessage = (e) => {
  const req = e.data;
  switch (req.kind) {
    case 'start':
      void start(req.settings);
      break;
    case 'pause':
      session?.pause();
      break;
    case 'resume':
      session?.resume();
      break;
    case 'step':
      session?.step();
      break;
    case 'stop':
      void session?.stop();
      break;
    case 'snapshot': {
      if (!session) {
        post({ kind: 'failed', id: req.id, message: 'there is no model to snapshot yet: start a run first (or wait until its data has loaded)' });
        break;
      }
      const bytes = session.snapshot();
      post({ kind: 'snapshot', id: req.id, bytes, step: session.position.step }, [bytes.buffer as ArrayBuffer]);
      break;
    }
    case 'log':
      if (!recorder) post({ kind: 'failed', id: req.id, message: 'there is no run to log yet: start one first' });
      else post({ kind: 'log', id: req.id, log: recorder.log() });
      break;
  }
};
