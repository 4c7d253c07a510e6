/**
 * The platform-neutral public API: everything that runs unchanged in a browser, a Web Worker and
 * Node (no file system, no network). `convscope` (src/index.ts) adds the Node-only parts.
 */
export { Tensor, sizeOf, type Shape } from './engine/tensor.js';
export { Rng } from './engine/rng.js';
export { ConvscopeError, ShapeError, SpecError, NumericError } from './engine/errors.js';
export { kernels, setKernels, referenceKernels, type Kernels } from './engine/kernels/index.js';
export { createWasmKernels, type FastKernels, type WasmKernelOptions } from './engine/kernels/wasm/index.js';
export { selectKernels, parseKernelChoice, type KernelChoice } from './engine/kernels/wasm/select.js';
export { spawnWebWorker, defaultWebThreads } from './engine/kernels/wasm/web-threads.js';

export { Sequential, toProbabilities, type ForwardResult, type BackwardResult, type TraceStep } from './nn/model.js';
export { OOD_METHODS, oodScores, oodResults, checkCalibration, type OodCalibration, type OodMethod, type OodResult } from './nn/ood.js';
export { predict, argmax, type PredictResult } from './nn/predict.js';
export type { Layer, LayerCache, Param, Mode, BackwardRule } from './nn/layer.js';
export { BACKWARD_RULES } from './nn/layer.js';
export { parseModelSpec, type ModelSpec, type LayerSpec, type LayerKind, type Padding, type InitName } from './nn/spec.js';
export { softmaxCrossEntropy, meanSquaredError, type LossName } from './nn/losses.js';
export { checkLayerGradients } from './nn/gradient-check.js';
export { ZOO, ZOO_NAMES, zooEntry, type ZooEntry } from './models/zoo.js';

export { train, epochOrder, type Recipe, type TrainEvent, type TrainState, type TrainResult, type EpochStats } from './train/trainer.js';
export { DivergenceError, DEFAULT_LOSS_EXPLOSION, type DivergenceFacts, type DivergenceKind, type LossExplosion } from './train/divergence.js';
export { evaluate, type Evaluation } from './train/metrics.js';
export type { BatchSource } from './train/batch-source.js';
export { createOptimizer, type OptimizerSpec, type Optimizer } from './train/optimizers.js';
export { learningRateAt, parseSchedule, type ScheduleSpec } from './train/schedules.js';

export { encodeModelFile, decodeModelFile, type ModelMetadata, type LoadedModel } from './io/model-file.js';
export { encodeSafetensors, decodeSafetensors, SafetensorsError } from './io/safetensors.js';

export { preprocessDigit, pixelsAsIs, rgbaToGray, type GrayImage, type Preprocessed } from './data/preprocess.js';
export { readDigits, type ReadResult, type ReadDigit, type ReadLine, type ReadOptions } from './data/segment.js';
export { decodeIdx, decodeImages, decodeLabels } from './data/idx.js';
export { makeSplit, type Dataset, type Split } from './data/dataset.js';
export { splitSource } from './data/split-source.js';
export { predictDigit, type DigitPrediction } from './predict.js';
export * from './explain/index.js';
