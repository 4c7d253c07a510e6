/**
 * `convscope train`: parse the recipe, check that the output can be written, load the data, run
 * the training loop with a progress bar, save the model file. A checkpoint is saved after every
 * --checkpoint-every epochs (default 1) and on Ctrl-C, which stops between batches; --resume
 * continues from one and ends with the same bytes as an uninterrupted run, its recorded command
 * included (the checkpoint carries the original command line). The checkpoint is removed once the
 * final file is saved. A run that diverges (train/divergence.ts) stops with the step and layer
 * named and writes nothing: the previous model file and the last checkpoint stay as they were.
 * A finished run is then given its "not a digit" calibration (the standard one `convscope
 * calibrate` fits; deterministic, so a resumed run still ends with the same bytes) unless
 * --no-calibrate; every file is replaced atomically, so stopping during calibration leaves the
 * trained, uncalibrated file, and a kill at any moment leaves each file old or new, never torn.
 */
import { readFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { ConvscopeError } from '../engine/errors.js';
import { Sequential } from '../nn/model.js';
import { parseModelSpec, type ModelSpec } from '../nn/spec.js';
import { ZOO, ZOO_NAMES } from '../models/zoo.js';
import { parseSchedule } from '../train/schedules.js';
import { train, type Recipe, type TrainEvent, type TrainState } from '../train/trainer.js';
import { DivergenceError } from '../train/divergence.js';
import type { OptimizerSpec } from '../train/optimizers.js';
import { checkpointParts, stateFromCheckpoint } from '../train/checkpoint.js';
import { readModelFile, writeModelFile } from '../io/node-model-file.js';
import { encodeModelFile } from '../io/model-file.js';
import { checkWritable } from '../io/node-atomic-write.js';
import type { CliIo } from './io.js';
import { resolveModelFile } from '../io/node-paths.js';
import { intOption, numberOption } from './options.js';
import { createProgressReporter, pct } from './progress.js';
import { loadCliDataset, addDataOptions, type DataOptions } from './dataset.js';
import { splitSource } from '../data/split-source.js';
import { calibrateModel, fashionForOod, formatOodReport } from './ood-calibration.js';
import { createRunLogFile } from './run-log-file.js';

interface TrainFlags extends DataOptions {
  model?: string;
  epochs: number;
  batch: number;
  optimizer: 'sgd' | 'adam' | 'adamw';
  lr: number;
  momentum: number;
  nesterov?: boolean;
  weightDecay: number;
  schedule: string;
  loss: 'xent' | 'mse';
  augment?: boolean | string;
  seed: number;
  limit?: number;
  out?: string;
  resume?: string;
  teacher?: string;
  temperature: number;
  distillAlpha: number;
  /** false with --no-calibrate */
  calibrate: boolean;
  /** epochs between checkpoints; 0: only on Ctrl-C */
  checkpointEvery: number;
  log?: string;
  logEvery: number;
}

export function checkpointPathFor(out: string): string {
  return out.replace(/\.safetensors$/, '') + '.ckpt.safetensors';
}

function modelSpecFrom(arg: string, cwd: string): { name: string; spec: ModelSpec } {
  const zoo = ZOO[arg];
  if (zoo) return { name: zoo.name, spec: zoo.spec };
  if (arg.endsWith('.json')) {
    const path = resolve(cwd, arg);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new ConvscopeError(`--model ${arg}: cannot read a JSON architecture spec from ${path}: ${(e as Error).message}`);
    }
    return { name: arg.replace(/^.*\//, '').replace(/\.json$/, ''), spec: parseModelSpec(json, arg) };
  }
  throw new ConvscopeError(`--model '${arg}' is neither a zoo model (${ZOO_NAMES.join(', ')}) nor a .json architecture spec`);
}

function parseAugment(v: boolean | string | undefined): Recipe['augment'] {
  if (v === undefined || v === false) return false;
  if (v === true) return true;
  const parts = v.split(',').map(Number);
  if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x) || x < 0) || parts[2] >= 1) {
    throw new ConvscopeError(`--augment expects SHIFT,DEGREES,SCALE like 2,12,0.1 (scale below 1), got '${v}'`);
  }
  const [maxShift, maxRotateDeg, scale] = parts as [number, number, number];
  return { maxShift, maxRotateDeg, minScale: 1 - scale, maxScale: 1 + scale };
}

function optimizerFrom(f: TrainFlags): OptimizerSpec {
  if (f.optimizer === 'sgd') return { kind: 'sgd', momentum: f.momentum, nesterov: Boolean(f.nesterov), weightDecay: f.weightDecay };
  return { kind: f.optimizer, weightDecay: f.weightDecay };
}

/** The command line that reproduces this run, for the model file's provenance. */
function commandLine(argv: readonly string[]): string {
  return ['convscope', ...argv].map((a) => (/^[\w./:=@-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

export function trainCommand(io: CliIo, argv: readonly string[]): Command {
  const cmd = new Command('train')
    .description('train a model on MNIST (or Fashion-MNIST) and save it as a .safetensors model file')
    .option('--model <name|spec.json>', `zoo model (${ZOO_NAMES.join(', ')}) or a JSON architecture spec`)
    .option('--epochs <n>', 'epochs', intOption('--epochs'), 5)
    .option('--batch <n>', 'batch size', intOption('--batch'), 64)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['sgd', 'adam', 'adamw']).default('adam'))
    .option('--lr <rate>', 'base learning rate', numberOption('--lr', { min: 0, exclusiveMin: true }), 1e-3)
    .option('--momentum <m>', 'SGD momentum', numberOption('--momentum', { min: 0 }), 0.9)
    .option('--nesterov', 'Nesterov momentum (SGD)')
    .option('--weight-decay <w>', 'weight decay (L2 for sgd/adam, decoupled for adamw)', numberOption('--weight-decay', { min: 0 }), 0)
    .option('--schedule <s>', 'learning-rate schedule: constant, step:EVERY_EPOCHS:GAMMA, cosine[:WARMUP_EPOCHS], onecycle', 'constant')
    .addOption(new Option('--loss <name>', 'loss').choices(['xent', 'mse']).default('xent'))
    .option('--augment [shift,degrees,scale]', 'random shifts, small rotations and scaling of training images (default 2,12,0.1: ±2 px, ±12°, ×0.9–1.1)')
    .option('--seed <s>', 'random seed (weights, order, augmentation, dropout)', intOption('--seed', 0), 1)
    .option('--limit <n>', 'train on the first N training images only', intOption('--limit'))
    .option('--out <file>', 'where to write the model file (default: <model>.safetensors)')
    .option('--resume <checkpoint>', 'continue an interrupted run from its checkpoint')
    .option('--teacher <model>', 'distil from a trained model (file or shipped name): learn its softened outputs too')
    .option('--temperature <t>', 'distillation temperature', numberOption('--temperature', { min: 0, exclusiveMin: true }), 4)
    .option('--distill-alpha <a>', 'weight of the teacher term (the rest is the label loss)', numberOption('--distill-alpha', { min: 0 }), 0.9)
    .option('--no-calibrate', "skip the 'not a digit' calibration after training (convscope calibrate adds it later)")
    .option('--log <file>', 'write a JSON log of the run (settings; loss, accuracy and learning rate every --log-every batches; test accuracy per epoch; wall time), the explorer\'s run format')
    .option('--log-every <batches>', 'batches between points of the --log curve', intOption('--log-every'), 10)
    .option('--checkpoint-every <epochs>', 'save a checkpoint (<out>.ckpt.safetensors) after every N epochs, 0 for only on Ctrl-C; removed when the run finishes', intOption('--checkpoint-every', 0), 1);
  addDataOptions(cmd);
  cmd.action(async (flags: TrainFlags) => {
    const started = Date.now();
    let model: Sequential;
    let name: string;
    let recipe: Recipe;
    let resumeState;
    let resumeDataset: { name: string; checksums: Record<string, string> } | undefined;
    // The command line recorded in the model file: the one that started the run, so that a
    // resumed run's file is the uninterrupted run's, byte for byte.
    let command = commandLine(argv);
    let resumedFrom: string | undefined;
    if (flags.resume) {
      const path = resolve(io.cwd, flags.resume);
      const loaded = await readModelFile(path);
      const ck = stateFromCheckpoint(loaded.metadata.checkpoint, loaded.extras, path);
      model = loaded.model;
      name = loaded.metadata.name ?? 'model';
      recipe = ck.recipe;
      resumeState = ck.state;
      resumeDataset = loaded.metadata.dataset;
      resumedFrom = path;
      // checkpoints written before they carried it: the resuming command is the best there is
      if (typeof loaded.metadata.command === 'string') command = loaded.metadata.command;
      io.err(`resuming ${name} from ${path} at epoch ${ck.state.epoch + 1}, batch ${ck.state.batch + 1}\n`);
    } else {
      if (!flags.model) throw new ConvscopeError(`train needs --model (${ZOO_NAMES.join(', ')} or a .json spec), or --resume CHECKPOINT`);
      const m = modelSpecFrom(flags.model, io.cwd);
      name = m.name;
      recipe = {
        epochs: flags.epochs,
        batchSize: flags.batch,
        optimizer: optimizerFrom(flags),
        lr: flags.lr,
        schedule: parseSchedule(flags.schedule),
        loss: flags.loss,
        seed: flags.seed,
        augment: parseAugment(flags.augment),
        ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
        ...(flags.teacher !== undefined
          ? { distill: { teacher: flags.teacher, temperature: flags.temperature, alpha: Math.min(1, flags.distillAlpha) } }
          : {}),
      };
      model = new Sequential(m.spec, recipe.seed);
    }
    const out = resolve(io.cwd, flags.out ?? `${name}.safetensors`);
    const ckpt = checkpointPathFor(out);
    // Before anything slow: can the files be written there at all (directory exists, writable,
    // room for a file of the model's size, and the checkpoint's: weights and up to two optimizer
    // moments)? This also removes temp files that a killed earlier run left beside them.
    const modelBytes = encodeModelFile(model, { name, recipe }).length;
    await checkWritable(out, { bytes: modelBytes });
    await checkWritable(ckpt, { bytes: 3 * modelBytes });
    if (flags.log === undefined && cmd.getOptionValueSource('logEvery') === 'cli') throw new ConvscopeError('--log-every sets the points of the run log: it needs --log FILE');
    const logPath = flags.log !== undefined ? resolve(io.cwd, flags.log) : null;
    if (logPath) await checkWritable(logPath);
    const teacher = recipe.distill ? (await readModelFile(resolveModelFile(recipe.distill.teacher, io.cwd))).model : undefined;
    const data = await loadCliDataset(flags, io);
    if (resumeDataset && Object.entries(resumeDataset.checksums).some(([file, md5]) => data.checksums[file] !== md5)) {
      throw new ConvscopeError(
        `the checkpoint was trained on ${resumeDataset.name}, but the data found now (${data.name}) has other files; resume with --dataset ${resumeDataset.name} and the same data`,
      );
    }
    const controller = new AbortController();
    const onSigint = () => {
      if (controller.signal.aborted) process.exit(130);
      io.err('\nstopping after this batch (Ctrl-C again to quit without saving)...\n');
      controller.abort();
    };
    process.on('SIGINT', onSigint);
    const progress = createProgressReporter(io, recipe.epochs);
    const runLog = logPath
      ? createRunLogFile(logPath, { name, model, recipe, dataset: data.name, every: flags.logEvery, testExamples: data.test.n })
      : null;
    const writeLog = async (state: 'finished' | 'stopped' | 'failed', error?: string): Promise<void> => {
      if (!runLog || !logPath) return;
      await runLog.write(state, error);
      io.err(`run log written to ${logPath}\n`);
    };
    let lastYield = Date.now();
    const onEvent = async (e: TrainEvent) => {
      progress(e);
      runLog?.onEvent(e);
      // The loop is synchronous between events; yielding now and then lets Ctrl-C be noticed.
      if (Date.now() - lastYield > 100) {
        lastYield = Date.now();
        await new Promise((r) => setImmediate(r));
      }
    };
    const dataset = { name: data.name, checksums: data.checksums };
    /** the epoch the last end-of-epoch checkpoint was saved after, if any */
    const checkpointed: { epoch: number | null } = { epoch: null };
    const saveCheckpoint = async (state: TrainState): Promise<void> => {
      const { meta, extras } = checkpointParts(state, recipe);
      await writeModelFile(ckpt, model, { name, recipe, dataset, seed: recipe.seed, command, checkpoint: meta }, extras);
    };
    try {
      const augment = typeof recipe.augment === 'object' ? { augment: recipe.augment } : {};
      let result;
      try {
        result = await train(model, splitSource(data.train, augment), recipe, {
          test: splitSource(data.test),
          onEvent,
          signal: controller.signal,
          ...(teacher ? { teacher } : {}),
          ...(resumeState ? { resume: resumeState } : {}),
          ...(flags.checkpointEvery > 0
            ? {
                checkpointEvery: flags.checkpointEvery,
                onCheckpoint: async (state: TrainState) => {
                  await saveCheckpoint(state);
                  checkpointed.epoch = state.epoch;
                  io.err(`checkpoint saved to ${ckpt} (epoch ${state.epoch} of ${recipe.epochs} done)\n`);
                },
              }
            : {}),
        });
      } catch (e) {
        if (!(e instanceof DivergenceError)) throw e;
        progress({ type: 'stopped', epoch: e.facts.epoch, batch: e.facts.batch });
        await writeLog('failed', e.message);
        const kept = checkpointed.epoch !== null ? `; the checkpoint after epoch ${checkpointed.epoch}, ${ckpt}, is kept (resume from it with --resume, though it will diverge again unless the recipe changes)` : '';
        throw new DivergenceError({ ...e.facts }, `${e.message}. Nothing was saved: ${out} is as it was${kept}. A lower --lr (now ${recipe.lr}) usually helps.`);
      }
      if (!result.completed) {
        await writeLog('stopped');
        await saveCheckpoint(result.state);
        io.err(`checkpoint saved to ${ckpt}\ncontinue with: convscope train --resume ${ckpt} --out ${out}\n`);
        process.exitCode = 130;
        return;
      }
      const last = result.history[result.history.length - 1];
      const testAccuracy = last?.testAccuracy ?? 0;
      const metadata = {
        name,
        recipe,
        dataset,
        seed: recipe.seed,
        testAccuracy,
        testAccuracyByEpoch: result.history.map((h) => h.testAccuracy ?? null),
        command,
      };
      await writeModelFile(out, model, metadata);
      await writeLog('finished');
      // the run is complete: its checkpoint (written now or resumed from) has nothing left to offer
      if (checkpointed.epoch !== null || resumedFrom === ckpt) await unlink(ckpt).catch(() => undefined);
      const seconds = (Date.now() - started) / 1000;
      io.err(`saved ${out}: test accuracy ${pct(testAccuracy)} after ${recipe.epochs} epoch(s), ${seconds.toFixed(1)} s\n`);
      if (flags.calibrate === false) return;
      // The trained file is safe on disk: from here Ctrl-C simply ends the process.
      process.off('SIGINT', onSigint);
      io.err(`calibrating 'not a digit' (skip with --no-calibrate)...\n`);
      const calStarted = Date.now();
      const { report } = calibrateModel(model, data, await fashionForOod(io, data.name));
      await writeModelFile(out, model, metadata);
      io.err(`${formatOodReport(report).map((l) => (l ? `  ${l}` : l)).join('\n')}\nsaved the calibration in ${out} (${((Date.now() - calStarted) / 1000).toFixed(1)} s)\n`);
    } finally {
      process.off('SIGINT', onSigint);
    }
  });
  return cmd;
}
