/**
 * Sensible hyper-parameters for training each zoo network in the page: the recipes of the shipped
 * model files (models/*.safetensors record them), cut to a few epochs so a run ends in about a
 * minute on a laptop. Networks that are not in the zoo get the 'cnn' recipe.
 */
import type { TrainSettings } from './train-protocol.js';

export type RecipeSettings = Pick<TrainSettings, 'optimizer' | 'lr' | 'schedule' | 'batchSize' | 'epochs' | 'augment' | 'seed'>;

const RECIPES: Readonly<Record<string, RecipeSettings>> = {
  mlp: { optimizer: { kind: 'adam', weightDecay: 0 }, lr: 0.003, schedule: { kind: 'cosine' }, batchSize: 32, epochs: 5, augment: false, seed: 1 },
  tiny: { optimizer: { kind: 'adam', weightDecay: 0 }, lr: 0.01, schedule: { kind: 'cosine' }, batchSize: 32, epochs: 3, augment: false, seed: 1 },
  lenet: { optimizer: { kind: 'adam', weightDecay: 0 }, lr: 0.002, schedule: { kind: 'onecycle' }, batchSize: 64, epochs: 2, augment: false, seed: 1 },
  cnn: { optimizer: { kind: 'adam', weightDecay: 0 }, lr: 0.003, schedule: { kind: 'onecycle' }, batchSize: 64, epochs: 2, augment: false, seed: 1 },
};

/** The page's default recipe for a zoo network (a fresh copy, free to edit). */
export function trainDefaults(zooName: string): RecipeSettings {
  const r = RECIPES[zooName] ?? RECIPES.cnn;
  return structuredClone(r);
}
