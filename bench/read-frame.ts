/**
 * Where a camera frame's time goes when a number is read: each stage of readDigits on the fake
 * camera's 640×480 frames of "2026" (test/e2e/fake-camera.ts), in Node, with the WebAssembly
 * kernels on one thread (as a frame reader in the browser has them), at full size and at the
 * camera view's half size. Stages: grey (bytes → 0..1, or shrunk from the bytes), ink map (background, local
 * thresholds, components), lines (skew, strips, cuts), readLines (every candidate's crop,
 * sharpening and preprocessing, the batch through predict, the choice), the batch predict alone
 * (timed again on the same batch), and the chosen digit's forward pass with its trace. Not a test:
 *   node --experimental-wasm-relaxed-simd --import tsx bench/read-frame.ts [--frames 60] [--model lenet]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readModelFile } from '../src/io/node-model-file.js';
import { BYTE_UNIT, grayUnit, inkMap } from '../src/data/binarize.js';
import { linesOfInk } from '../src/data/ink-lines.js';
import { readDigits, readLines, shrinkGray } from '../src/data/segment.js';
/** the camera view's half size (web/src/lib/camera-read.ts frameReadOptions) */
const CAMERA_MAX_PIXELS = (640 * 480) / 4;
import { predict } from '../src/nn/predict.js';
import { Tensor } from '../src/engine/tensor.js';
import { numberFrames } from '../test/e2e/fake-camera.js';
import { REPO_ROOT } from '../test/helpers.js';
import { useKernels } from './use-kernels.js';

const { values } = parseArgs({ options: { frames: { type: 'string', default: '60' }, model: { type: 'string', default: 'lenet' } } });
const N = Number(values.frames);
const kernels = await useKernels({ kind: 'wasm', threads: 1, fma: true });
const { model } = await readModelFile(join(REPO_ROOT, 'models', `${values.model}.safetensors`));
const W = 640, H = 480;
const frames = await numberFrames('2026', { width: W, height: H, fps: 30, frames: N });

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1] ?? NaN;
// the least time is what the code costs when no other process takes the core; the median what a frame usually gets
const least = (v: number[]): number => Math.min(...v);
const now = (): number => performance.now();

for (const maxPixels of [Infinity, CAMERA_MAX_PIXELS]) {
  const t: Record<string, number[]> = { 'grey (and shrink)': [], 'ink map': [], lines: [], 'readLines (all candidates)': [], '  of which batch predict': [], 'chosen digit + trace': [], 'readDigits (whole)': [] };
  let cands = 0, wrong = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (const y of frames) {
      const keep = pass === 1;
      let a = now();
      const factor = W * H > maxPixels ? Math.ceil(Math.sqrt((W * H) / maxPixels)) : 1;
      // as readDigits does it: bytes → 0..1, or (read small) bytes shrunk straight to 0..1
      const { gray: g, width: w, height: h } = factor > 1 ? shrinkGray(y, W, H, factor, BYTE_UNIT) : { gray: grayUnit({ width: W, height: H, data: y }), width: W, height: H };
      let b = now();
      if (keep) t['grey (and shrink)'].push(b - a);
      a = now();
      const map = inkMap(g, w, h);
      b = now();
      if (keep) t['ink map'].push(b - a);
      a = now();
      const seg = linesOfInk(map);
      b = now();
      if (keep) t.lines.push(b - a);
      a = now();
      const readings = readLines(model, seg);
      const readMs = now() - a;
      const inputs = readings.flatMap((r) => r.candidates.map((c) => c.input));
      cands = inputs.length;
      const batch = new Float32Array(inputs.length * 784);
      inputs.forEach((p, k) => batch.set(p, k * 784));
      a = now();
      if (inputs.length) predict(model, new Tensor([inputs.length, 1, 28, 28], batch));
      const predictMs = now() - a;
      if (keep) t['readLines (all candidates)'].push(readMs);
      if (keep) t['  of which batch predict'].push(predictMs);
      a = now();
      const r = readDigits(model, { width: W, height: H, data: y }, { maxPixels, inputs: true });
      b = now();
      if (keep) t['readDigits (whole)'].push(b - a);
      if (keep && r.text !== '2026') wrong++;
      const chosen = r.digits[0]?.input;
      a = now();
      if (chosen) predict(model, chosen);
      if (keep) t['chosen digit + trace'].push(now() - a);
    }
  }
  const label = maxPixels === Infinity ? 'full size (640×480)' : `maxPixels ${maxPixels} (read at ${Math.ceil(W / Math.ceil(Math.sqrt((W * H) / maxPixels)))} px wide)`;
  console.log(`\n${values.model}, ${kernels.info.name}, ${label}: ${N} frames, ${cands} candidates a frame, "2026" misread in ${wrong}`);
  console.log('stage                      p50 ms   min ms');
  for (const [k, v] of Object.entries(t)) console.log(`${k.padEnd(26)} ${median(v).toFixed(2).padStart(7)} ${least(v).toFixed(2).padStart(8)}`);
}
await kernels.release();
