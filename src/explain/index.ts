/**
 * The explanations: why a network said what it said (attributions), what its units look for
 * (activation maximisation, dataset examples), how easily it is fooled (adversarial and fooling
 * images), whether those explanations can be trusted (sanity checks), and how one unit got its
 * value (unit.ts, receptive fields). Platform-neutral: the CLI, the server and the explorer all
 * use these same functions.
 */
export {
  ATTRIBUTION_METHODS,
  attribute,
  isAttributionMethod,
  saliency,
  gradientTimesInput,
  smoothGrad,
  occlusion,
  gradcam,
  gradcamLayers,
  defaultGradcamLayer,
  guidedBackprop,
  deconvnet,
  type AttributionMethod,
  type AttributionResult,
  type AttributeOptions,
  type GradcamResult,
  type SmoothGradOptions,
  type OcclusionOptions,
  type GradcamOptions,
  type ProjectionOptions,
} from './attributions.js';
export { integratedGradients, quadratureRule, type IntegratedGradientsOptions, type IntegratedGradientsResult, type Baseline, type Quadrature } from './integrated-gradients.js';
export { attack, minimalEpsilon, robustnessCurve, classProbabilities, lossGradient, type AttackMethod, type AttackOptions, type AttackResult, type MinimalEpsilonResult, type RobustnessPoint } from './adversarial.js';
export { maximizeActivation, topExcitingExamples, type MaximizeOptions, type MaximizeResult, type ExcitingExample } from './maximize.js';
export { foolingImage, type FoolingOptions, type FoolingResult } from './fooling.js';
export { modelRandomizationTest, deletionCurve, randomAttribution, spearman, pearson, cloneModel, randomizeLayer, type RandomizationStep, type DeletionCurve, type MapFunction } from './sanity.js';
export { logitLayer, logitsOf, classCount, predictedClasses, scoreGradient, objectiveSeed, type Objective, type ScoreGradient } from './score.js';
export { gaussianBlur, resizeBilinear } from './image-ops.js';
export { receptiveField, convTapPosition, windowDims, poolWindow, type Rect, type WindowDims } from './receptive-field.js';
export {
  explainUnit,
  unitPosition,
  unitIndex,
  stepNames,
  finalEngineValue,
  type UnitRef,
  type Explanation,
  type ConvExplanation,
  type DenseExplanation,
  type PoolExplanation,
  type ElementwiseExplanation,
} from './unit.js';
export { collectActivations, lastHiddenLayer, resolveLayer, imagesFromBytes, type Activations } from './activations.js';
export { pca, umap, type PcaResult, type UmapOptions } from './projection.js';
export { classGeometry, rankedPairs, distanceMatrixCorrelation, linearCka, type ClassGeometry, type ClassPair } from './class-geometry.js';
export { fitMahalanobis, calibrateOod, evaluateOod, scoreImages, thresholdFor, auroc, type CalibrateOptions, type OodEvaluation } from './ood.js';
export { standardCalibration, standardOodReport, noiseImages, type OodReport, type OodSetResult, type OodData } from './ood-report.js';
