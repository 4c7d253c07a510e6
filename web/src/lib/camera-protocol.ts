/**
 * The messages between the Camera view and its frame readers (camera-worker.ts). A request is one
 * gray frame and the model to read it with (its ModelInfo: the worker decodes its own copy from the
 * same file); the reply is what readDigits found, with the frame's pixels handed back. Frames
 * travel by transfer both ways, never copied: the page keeps no second copy while one is read.
 */
import type { ModelInfo } from '../../../src/server/api-types.js';
import type { FrameDigit } from './camera-read.js';

export type CameraRequest = {
  kind: 'read';
  seq: number;
  info: ModelInfo;
  width: number;
  height: number;
  gray: Uint8Array<ArrayBuffer>;
  /** the last frame's typical digit height (camera-read.ts typicalHeight), which picks the reading size */
  lastHeight: number;
};

export type CameraReply =
  | { kind: 'read'; seq: number; text: string; digits: FrameDigit[]; readMs: number; width: number; height: number; gray: Uint8Array<ArrayBuffer> }
  | { kind: 'error'; seq: number; message: string; gray: Uint8Array<ArrayBuffer> | null };
