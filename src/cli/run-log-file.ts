/**
 * `convscope train --log FILE`: the run's settings and curves (src/train/run-log.ts, the shape the
 * explorer keeps its runs in) collected from the training loop's events and written atomically
 * when the run ends, finished, stopped or failed, so a crash never leaves half a log.
 */
import { kernels } from '../engine/kernels/index.js';
import { writeFileAtomic } from '../io/node-atomic-write.js';
import type { Sequential } from '../nn/model.js';
import { ProgressWindow } from '../train/progress-window.js';
import { kernelsLabel, RunRecorder } from '../train/run-log.js';
import type { Recipe, TrainEvent } from '../train/trainer.js';

export interface RunLogFile {
  onEvent(e: TrainEvent): void;
  /** Ends the record and writes it. */
  write(state: 'finished' | 'stopped' | 'failed', error?: string): Promise<void>;
}

export function createRunLogFile(path: string, run: { name: string; model: Sequential; recipe: Recipe; dataset: string; every: number; testExamples: number }): RunLogFile {
  const recorder = new RunRecorder({
    name: run.name,
    spec: run.model.spec,
    recipe: run.recipe,
    dataset: run.dataset,
    kernels: kernelsLabel(kernels()),
    origin: 'cli',
    every: run.every,
  });
  const started = Date.now();
  const window = new ProgressWindow(run.every, started);
  let step = 0;
  return {
    onEvent(e) {
      if (e.type === 'batch') {
        step = e.step;
        const p = window.batch(e, Date.now());
        if (p) recorder.add(p);
      } else if (e.type === 'epoch') {
        const p = window.flush(Date.now());
        if (p) recorder.add(p);
        window.epochEnded();
        const { type: _epoch, testAccuracy, ...stats } = e;
        if (testAccuracy !== undefined) recorder.addTest({ step, epoch: e.epoch, scope: 'epoch', accuracy: testAccuracy, examples: run.testExamples });
        recorder.add({ type: 'epoch', stats: { ...stats, testAccuracy: testAccuracy ?? null } });
      }
    },
    async write(state, error) {
      const p = window.flush(Date.now());
      if (p) recorder.add(p);
      recorder.end(state, error);
      await writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(recorder.log())}\n`));
    },
  };
}
