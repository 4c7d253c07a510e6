/**
 * A Web Worker that reads camera frames: readDigits (the library's, via camera-read.ts) on its own copy of the model,
 * decoded from the same model file the page uses (lib/models.ts), on the WebAssembly SIMD kernels
 * with one thread. One frame at a time; the page sends a frame only to a reader that is free, so
 * nothing queues here.
 */
import { selectKernels } from '../../../src/engine/kernels/wasm/select.js';
import { readFrameDigits } from './camera-read.js';
import { loadModel } from './models.js';
import type { CameraReply, CameraRequest } from './camera-protocol.js';

interface WorkerScope {
  postMessage(message: CameraReply, transfer: Transferable[]): void;
  onmessage: ((e: MessageEvent<CameraRequest>) => void) | null;
}
const scope = self as unknown as WorkerScope;

// the reference kernels answer until (and wherever) the SIMD ones cannot start
const kernelsReady = selectKernels('auto', { threads: 1 }).catch(() => undefined);

scope.onmessage = (e) => {
  const req = e.data;
  void read(req).then(
    // the frame goes back, and each digit's input (3 kB) with it, by transfer
    (reply) => scope.postMessage(reply, [reply.gray.buffer, ...reply.digits.map((d) => d.input.buffer as ArrayBuffer)]),
    (err: unknown) => scope.postMessage({ kind: 'error', seq: req.seq, message: err instanceof Error ? err.message : String(err), gray: req.gray }, [req.gray.buffer]),
  );
};

async function read(req: CameraRequest): Promise<Extract<CameraReply, { kind: 'read' }>> {
  await kernelsReady;
  const model = await loadModel(req.info);
  const t0 = performance.now();
  const r = readFrameDigits(model, { width: req.width, height: req.height, data: req.gray }, req.lastHeight);
  const readMs = performance.now() - t0;
  return { kind: 'read', seq: req.seq, text: r.text, digits: r.digits, readMs, width: req.width, height: req.height, gray: req.gray };
}
