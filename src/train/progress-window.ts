/**
 * Turns the training loop's per-batch events into one 'progress' report every N batches: the
 * window's mean loss, accuracy and images per second. Shared by the page's session and the CLI's
 * --log, so both record the same curve. The clock is the caller's (the session's leaves paused
 * time out).
 */
import type { TrainEvent } from './trainer.js';
import type { SessionEvent } from './session-protocol.js';

type BatchEvent = Extract<TrainEvent, { type: 'batch' }>;
export type ProgressEvent = Extract<SessionEvent, { type: 'progress' }>;

export class ProgressWindow {
  private loss = 0;
  private images = 0;
  private correct = 0;
  private batches = 0;
  /** the epoch's running counts at the last batch seen */
  private seenImages = 0;
  private seenCorrect = 0;
  private since: number;
  private last: BatchEvent | null = null;

  /** `every` batches a window (0: never report); `startMs` is when training began on the same clock. */
  constructor(
    private readonly every: number,
    private readonly startMs: number,
  ) {
    this.since = startMs;
  }

  /** Adds a batch; returns the report when the window is full. */
  batch(e: BatchEvent, nowMs: number): ProgressEvent | null {
    if (e.images < this.seenImages) this.epochEnded(); // a new epoch's counts start again
    const count = e.images - this.seenImages;
    this.loss += e.loss * count;
    this.images += count;
    this.correct += e.correct - this.seenCorrect;
    this.batches++;
    this.seenImages = e.images;
    this.seenCorrect = e.correct;
    this.last = e;
    return this.every > 0 && this.batches >= this.every ? this.flush(nowMs) : null;
  }

  /** The epoch ended: its running counts start again from zero. */
  epochEnded(): void {
    this.seenImages = 0;
    this.seenCorrect = 0;
  }

  /** Reports what the window holds (null if empty or reports are off) and opens a new one. */
  flush(nowMs: number): ProgressEvent | null {
    const e = this.last;
    if (this.batches === 0 || this.every === 0 || !e) return null;
    const seconds = Math.max(nowMs - this.since, 1e-6) / 1000;
    const report: ProgressEvent = {
      type: 'progress',
      step: e.step,
      epoch: e.epoch,
      batch: e.batch,
      loss: this.loss / this.images,
      accuracy: this.correct / this.images,
      lr: e.lr,
      imagesPerSecond: this.images / seconds,
      seconds: (nowMs - this.startMs) / 1000,
    };
    this.loss = 0;
    this.images = 0;
    this.correct = 0;
    this.batches = 0;
    this.since = nowMs;
    return report;
  }
}
