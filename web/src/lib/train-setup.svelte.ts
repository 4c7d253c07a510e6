/**
 * What the Train view is set to (the network being edited, where it came from, the
 * hyper-parameters, the data set, what is folded), kept for the page's life rather than the
 * view's: switching to another tab and back, as one does to watch the Layers view follow a run,
 * finds the editor as it was left.
 */
import { ZOO } from '../../../src/models/zoo.js';
import { draftOf, type Draft } from './train-editor.js';
import { trainDefaults, type RecipeSettings } from './train-settings.js';

/** Where the draft came from: a zoo network (fresh weights) or the model shown (its weights, while its layers are unchanged). */
export type DraftOrigin = { kind: 'zoo' } | { kind: 'shown'; name: string; spec: string };

class TrainSetup {
  zooName = $state('cnn');
  origin = $state.raw<DraftOrigin>({ kind: 'zoo' });
  draft = $state.raw<Draft>(draftOf(ZOO['cnn'].spec));
  recipe = $state.raw<RecipeSettings>(trainDefaults('cnn'));
  dataset = $state<'mnist' | 'fashion'>('mnist');
  allConvs = $state(false);
  /** the editor folds away while a run goes, so the curves and kernels are in view */
  setupOpen = $state(true);
}

export const trainSetup = new TrainSetup();
