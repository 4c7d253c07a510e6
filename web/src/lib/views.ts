/**
 * The explorer's views, in tab order: one registry entry each (id, title, component, what it
 * needs). The app draws the tabs, keeps ?view= in the URL and renders the open view from this
 * list alone, so a new view is one entry here and one component. Every view component receives
 * the same ViewProps and takes the ones it uses.
 */
import type { Component } from 'svelte';
import type { ForwardResult, Sequential } from '../../../src/nn/model.js';
import type { ModelInfo } from '../../../src/server/api-types.js';
import type { UnitRef } from '../../../src/explain/unit.js';
import LayersView from '../components/LayersView.svelte';
import KernelsView from '../components/KernelsView.svelte';
import StepTab from '../components/StepTab.svelte';
import NetworkTab from '../components/NetworkTab.svelte';
import Gallery from '../components/Gallery.svelte';
import ExplainView from '../components/ExplainView.svelte';
import MapView from '../components/MapView.svelte';
import TrainView from '../components/TrainView.svelte';
import type { LocalModel } from './local-models.js';
import CameraView from '../components/CameraView.svelte';
import InvarianceView from '../components/InvarianceView.svelte';
import CompareView from '../components/CompareView.svelte';
import GlossaryView from '../components/GlossaryView.svelte';

/** A pixel of a layer's output under the pointer (layer −1: the input). */
export interface Hover {
  layer: number;
  y: number;
  x: number;
}

/** What the app hands every view: the model, the current trace, the selection, and ways to change them. */
export type ViewProps = {
  model: Sequential;
  /** the model's name in the picker and the API */
  modelName: string;
  /** every model the server offers */
  models: readonly ModelInfo[];
  /** the current input's forward pass */
  trace: ForwardResult;
  /** the current input's class probabilities; null while the pad is empty */
  probs: Float32Array | null;
  /** the selected unit, if any */
  unit: UnitRef | null;
  /** the step within the selected unit's computation */
  step: number;
  /** selects a unit and opens the step-through */
  onselect: (layer: number, index: number) => void;
  /** selects a unit, staying in the view, from its first step */
  onunit: (unit: UnitRef) => void;
  onstep: (step: number) => void;
  /** the pixel under the pointer (the input view outlines its receptive field), or null */
  onhover: (hover: Hover | null) => void;
  /** makes these 28×28 pixels the input, with a caption saying where they come from */
  onpick: (pixels: Float32Array, caption: string) => void;
  /** switches to another model */
  onmodel: (name: string) => void;
  /** shows a model the page holds (a training snapshot, an opened file) in every view, listed in the picker */
  onuse: (model: LocalModel) => void;
};

/**
 * What a view needs from the app beyond the model and the trace (which every view gets):
 * 'unit' — it shows the selected unit, so the input view outlines that unit's receptive field;
 * 'step' — it walks through steps, and the current one is kept in the URL (?step=);
 * 'ink' — it shows the network's response to the drawing, so an empty pad shows a note instead
 *   (a blank image's response is only biases, drawn on a colour scale stretched over nothing).
 */
export type ViewNeed = 'unit' | 'step' | 'ink';

export interface ViewEntry {
  /** the ?view= value, and the tab's and panel's data-testid suffix */
  readonly id: string;
  readonly title: string;
  /** one line above the view on how to use it */
  readonly intro?: string;
  readonly component: Component<ViewProps>;
  readonly needs: readonly ViewNeed[];
}

export const VIEWS = [
  {
    id: 'layers',
    title: 'Layers',
    intro: "Every layer's output for the current input. Point at a pixel to see its receptive field in the input; click it to step through its computation.",
    component: LayersView,
    needs: ['ink'],
  },
  { id: 'kernels', title: 'Kernels', component: KernelsView, needs: [] },
  { id: 'step', title: 'Step-through', component: StepTab, needs: ['unit', 'step', 'ink'] },
  { id: 'network', title: 'Network', component: NetworkTab, needs: ['ink'] },
  {
    id: 'explain',
    title: 'Explain',
    intro: 'Why the network gives its answer, how easily it is fooled, and what its units look for: for the digit on the pad, live as you draw.',
    component: ExplainView,
    needs: [],
  },
  {
    id: 'map',
    title: 'Map',
    intro: 'A few thousand test digits laid out by what one layer makes of them, your digit among them: point at a dot to see it, click to load it.',
    component: MapView,
    needs: [],
  },
  {
    id: 'invariance',
    title: 'Invariance',
    intro: 'Shift, turn, resize or thicken your drawing with the sliders: the maps and the prediction follow.',
    component: InvarianceView,
    needs: ['ink'],
  },
  {
    id: 'compare',
    title: 'Side by side',
    intro: 'Two models on the same drawing: their answers and a layer of each, chosen on either side.',
    component: CompareView,
    needs: ['ink'],
  },
  {
    id: 'train',
    title: 'Train',
    intro: 'Train a network here and watch it learn: kernels that start as noise, curves, mistakes. With live on, the pad and every view use the model as it trains.',
    component: TrainView,
    needs: [],
  },
  { id: 'gallery', title: 'Gallery', component: Gallery, needs: [] },
  {
    id: 'camera',
    title: 'Camera',
    intro: 'Digits held up to a camera, read live: every digit in the frame boxed and read, and the largest (or the one you click) through every layer.',
    component: CameraView,
    needs: [],
  },
  {
    id: 'glossary',
    title: 'Glossary',
    intro: 'Every layer kind and term the explorer uses, each with its formula. A dotted underline anywhere opens the same explanation in place.',
    component: GlossaryView,
    needs: [],
  },
] as const satisfies readonly ViewEntry[];

export type ViewId = (typeof VIEWS)[number]['id'];

export const VIEW_IDS: readonly ViewId[] = VIEWS.map((v) => v.id);

export function viewEntry(id: ViewId): ViewEntry {
  return VIEWS.find((v) => v.id === id) ?? VIEWS[0];
}
