/**
 * The page's end of the frame readers (camera-worker.ts): a few workers, each reading one frame at
 * a time. `submit` hands a frame to a free reader or refuses it (the caller drops that frame:
 * frames never queue); replies come back through one listener, possibly out of order when there
 * are several readers, so the caller keeps only replies newer than the last it showed.
 */
import type { ModelInfo } from '../../../src/server/api-types.js';
import type { CameraReply, CameraRequest } from './camera-protocol.js';

export class CameraReaders {
  private readonly workers: Worker[] = [];
  private readonly busy: boolean[] = [];

  constructor(count: number, onreply: (reply: CameraReply) => void) {
    for (let i = 0; i < count; i++) {
      const w = new Worker(new URL('./camera-worker.ts', import.meta.url), { type: 'module', name: `convscope-camera-${i}` });
      w.onmessage = (e: MessageEvent<CameraReply>) => {
        this.busy[i] = false;
        onreply(e.data);
      };
      w.onerror = (e) => {
        this.busy[i] = false;
        onreply({ kind: 'error', seq: -1, message: e.message || 'the frame reader stopped', gray: null });
      };
      this.workers.push(w);
      this.busy.push(false);
    }
  }

  /** Whether some reader is free. */
  get free(): boolean {
    return this.busy.includes(false);
  }

  /** Sends the frame (transferred: `gray` is empty afterwards) to a free reader; false when all are busy. */
  submit(seq: number, info: ModelInfo, width: number, height: number, gray: Uint8Array<ArrayBuffer>, lastHeight: number): boolean {
    const i = this.busy.indexOf(false);
    if (i < 0) return false;
    this.busy[i] = true;
    const req: CameraRequest = { kind: 'read', seq, info, width, height, gray, lastHeight };
    this.workers[i].postMessage(req, [gray.buffer]);
    return true;
  }

  terminate(): void {
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}
