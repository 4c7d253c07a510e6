/**
 * The explorer's words: one plain paragraph and one formula for each layer kind and each term a
 * learner meets (kernel, logit, receptive field…), and the plain name each layer kind is shown
 * under. The Term component opens an entry in place wherever its name appears; the Glossary view
 * lists them all. Text only: nothing here knows about the DOM.
 */
import type { LayerKind } from '../../../src/nn/spec.js';

export type TermId =
  | 'conv'
  | 'maxpool'
  | 'avgpool'
  | 'flatten'
  | 'dense'
  | 'activation'
  | 'relu'
  | 'leakyrelu'
  | 'sigmoid'
  | 'tanh'
  | 'softmax'
  | 'batchnorm'
  | 'dropout'
  | 'deskew'
  | 'normalisation'
  | 'input'
  | 'kernel'
  | 'bias'
  | 'feature-map'
  | 'channel'
  | 'receptive-field'
  | 'stride'
  | 'logit'
  | 'probability'
  | 'unit'
  | 'weight';

export interface GlossaryEntry {
  readonly id: TermId;
  /** the plain name, as a heading */
  readonly title: string;
  /** one paragraph: what it does and why it is there */
  readonly text: string;
  /** the formula, in plain Unicode */
  readonly formula: string;
  /** whether this entry is a layer kind (the first part of the glossary) or a term */
  readonly group: 'layer' | 'term';
}

export const GLOSSARY: readonly GlossaryEntry[] = [
  {
    id: 'conv',
    title: 'convolution',
    group: 'layer',
    text:
      'A convolution layer slides small kernels over its input. Each kernel is a k×k×D block of weights, where D is the number of feature maps (channels) below. At every position it multiplies the k×k×D patch under it by its weights, adds the products and a bias: one number of its output map. One kernel gives one feature map; a layer with 20 kernels gives 20 maps. The same weights are used at every position, so a pattern is found wherever it is.',
    formula: 'y[o, i, j] = b[o] + Σ_c Σ_u Σ_v w[o, c, u, v] · x[c, i+u, j+v]',
  },
  {
    id: 'maxpool',
    title: 'max pooling',
    group: 'layer',
    text:
      'Max pooling shrinks each feature map by keeping only the largest value of every window (2×2 here, moved 2 pixels at a time), so a 24×24 map becomes 12×12. It has no weights. What it keeps is whether a pattern was found somewhere in the window, not exactly where: a small shift of the drawing changes little after it.',
    formula: 'y[c, i, j] = max over the window of x[c, s·i + u, s·j + v]',
  },
  {
    id: 'avgpool',
    title: 'average pooling',
    group: 'layer',
    text: 'Average pooling shrinks each feature map by replacing every window by the mean of its values. It has no weights.',
    formula: 'y[c, i, j] = (1 / k²) Σ_u Σ_v x[c, s·i + u, s·j + v]',
  },
  {
    id: 'flatten',
    title: 'flatten',
    group: 'layer',
    text:
      'Flatten changes no number: it lays the feature maps out in one long row (channel by channel, then row by row) so that a dense layer can take them. LeNet’s 50 maps of 4×4 become 800 numbers.',
    formula: 'y[c·H·W + i·W + j] = x[c, i, j]',
  },
  {
    id: 'dense',
    title: 'dense (fully connected)',
    group: 'layer',
    text:
      'In a dense layer every unit is connected to every number below it. Each unit multiplies all its inputs by its own weights, adds the products and a bias. A unit of the mlp’s first layer has 784 weights, one per input pixel, which can be drawn as a 28×28 image of what it responds to. The last dense layer gives one score per class: the logits.',
    formula: 'y[j] = b[j] + Σ_i w[j, i] · x[i]',
  },
  {
    id: 'activation',
    title: 'activation function',
    group: 'layer',
    text:
      'An activation applies one simple non-linear function to every number separately. Without it, layers of sums would add up to one big weighted sum, whatever their number; with it, the network can bend its decisions. Caffe’s LeNet has none after its convolutions, only after its first dense layer.',
    formula: 'y = f(x), for every number on its own',
  },
  {
    id: 'relu',
    title: 'ReLU (rectified linear unit)',
    group: 'layer',
    text: 'ReLU keeps positive numbers and turns negative ones into 0: a unit is either off or on by some amount.',
    formula: 'relu(x) = max(0, x)',
  },
  {
    id: 'leakyrelu',
    title: 'leaky ReLU',
    group: 'layer',
    text: 'Leaky ReLU keeps positive numbers and shrinks negative ones by a small slope instead of zeroing them.',
    formula: 'leakyrelu(x) = x if x > 0, else a·x (a small, e.g. 0.01)',
  },
  {
    id: 'sigmoid',
    title: 'sigmoid',
    group: 'layer',
    text: 'The sigmoid squashes any number into 0…1: large negative numbers go to 0, large positive ones to 1, and 0 to 0.5. The mlp of 3Blue1Brown’s lesson uses it.',
    formula: 'σ(x) = 1 / (1 + e^(−x))',
  },
  {
    id: 'tanh',
    title: 'tanh',
    group: 'layer',
    text: 'The hyperbolic tangent squashes any number into −1…1, with 0 staying 0.',
    formula: 'tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x))',
  },
  {
    id: 'softmax',
    title: 'softmax',
    group: 'layer',
    text:
      'Softmax turns the ten logits into ten probabilities: each is made positive by e^z and divided by the sum of all ten, so they add up to 1. The largest logit gets the largest probability; the predicted digit is the one with the highest.',
    formula: 'p_i = e^(z_i) / Σ_j e^(z_j)',
  },
  {
    id: 'batchnorm',
    title: 'batch normalisation',
    group: 'layer',
    text:
      'Batch normalisation standardises each channel: it subtracts a mean and divides by a standard deviation measured during training, then scales and shifts by two learned numbers. It keeps the numbers entering the next layer in a steady range, which makes training faster.',
    formula: 'y = γ · (x − μ) / √(σ² + ε) + β',
  },
  {
    id: 'dropout',
    title: 'dropout',
    group: 'layer',
    text:
      'During training, dropout sets a random share of the numbers to 0 (and scales up the rest) so that no unit can rely on one other unit. When predicting, as here, it passes everything through unchanged.',
    formula: 'training: y = x · m / (1 − p), m random 0 or 1; predicting: y = x',
  },
  {
    id: 'deskew',
    title: 'deskewing',
    group: 'layer',
    text:
      'Deskewing straightens a slanted digit before the network sees it: it measures the slant of the ink from its moments and shears the image upright. The mlp deskews its input, because a network without convolutions has no other way to cope with slant.',
    formula: 'out(x, y) = in(x + α·(y − ȳ), y), α = cov(x, y) / var(y) of the ink',
  },
  {
    id: 'normalisation',
    title: 'normalisation of the input',
    group: 'layer',
    text:
      'Before the first layer, every pixel (0 for black, 1 for full ink) is standardised with the mean and standard deviation of the MNIST training pixels: 0.1307 and 0.3081. Black becomes −0.42, full ink 2.82. The network was trained on numbers in this range, so it is given them too.',
    formula: 'x′ = (x − 0.1307) / 0.3081',
  },
  {
    id: 'input',
    title: 'input',
    group: 'term',
    text:
      'The 28×28 image the network receives: your drawing cropped to its ink, fitted into 20×20 and centred by its centre of mass, as the MNIST digits were made, then normalised.',
    formula: '28 × 28 × 1 = 784 numbers',
  },
  {
    id: 'kernel',
    title: 'kernel (filter)',
    group: 'term',
    text:
      'The weights of one output channel of a convolution: a k×k×D volume, D being the number of input channels. LeNet’s conv1 has 20 kernels of 5×5×1; its conv2 has 50 kernels of 5×5×20, each seeing all 20 maps of the layer below at once.',
    formula: 'w[o] has shape k × k × C_in; C_out kernels in all',
  },
  {
    id: 'bias',
    title: 'bias',
    group: 'term',
    text: 'One learned number added to a unit’s sum of products, whatever the input: it moves the point where the unit starts to respond.',
    formula: 'y = Σ w·x + b',
  },
  {
    id: 'feature-map',
    title: 'feature map',
    group: 'term',
    text:
      'The output of one kernel over the whole image: a small picture whose every pixel says how strongly the kernel’s pattern is present there. Maps shrink layer by layer (LeNet: 28 → 24 → 12 → 8 → 4).',
    formula: 'one H × W map per channel',
  },
  {
    id: 'channel',
    title: 'channel',
    group: 'term',
    text: 'One of the stacked maps of a layer; the third number of a shape such as 24×24×20. The input has 1 channel (grey); conv1’s output has one per kernel.',
    formula: 'shape H × W × C: C channels',
  },
  {
    id: 'receptive-field',
    title: 'receptive field',
    group: 'term',
    text:
      'The part of the input a unit can see: a 5×5 window for conv1, 6×6 after pooling, 14×14 for conv2. Point at a pixel of a map to see its receptive field outlined on the input.',
    formula: 'grows by (k − 1) × (the strides below) with each layer',
  },
  {
    id: 'stride',
    title: 'stride',
    group: 'term',
    text: 'How far a kernel or a pooling window moves between two outputs. A stride of 2 halves the map’s size.',
    formula: 'out = ⌊(in − k) / s⌋ + 1',
  },
  {
    id: 'logit',
    title: 'logit (score)',
    group: 'term',
    text:
      'The raw score the last layer gives each class, before softmax: any number, negative or positive. Only their differences matter: softmax turns them into probabilities.',
    formula: 'z_i = b_i + Σ_j w[i, j] · x_j',
  },
  {
    id: 'probability',
    title: 'probability',
    group: 'term',
    text: 'How sure the network is of each class, from softmax of the logits: ten numbers from 0 to 1 adding up to 1 (shown as percentages).',
    formula: 'p_i = e^(z_i) / Σ_j e^(z_j), Σ_i p_i = 1',
  },
  {
    id: 'unit',
    title: 'unit (neuron)',
    group: 'term',
    text: 'One number of a layer’s output: a pixel of a feature map or a cell of a vector. Click one to see how it was computed.',
    formula: 'a layer of shape H × W × C has H·W·C units',
  },
  {
    id: 'weight',
    title: 'weight',
    group: 'term',
    text: 'A learned number that multiplies one input of a unit. Training adjusts the weights so that the right class gets the highest score. Red: positive, blue: negative.',
    formula: 'product = w · x',
  },
];

const BY_ID = new Map(GLOSSARY.map((e) => [e.id, e]));

/** The entry for id; every TermId has one (checked by glossary.test.ts). */
export function glossaryEntry(id: TermId): GlossaryEntry {
  const e = BY_ID.get(id);
  if (!e) throw new Error(`glossary: no entry for '${id}'`);
  return e;
}

/** Which entry explains a layer kind. */
export function termForKind(kind: LayerKind): TermId {
  switch (kind) {
    case 'conv2d':
      return 'conv';
    case 'maxpool2d':
      return 'maxpool';
    case 'avgpool2d':
      return 'avgpool';
    case 'dense':
    case 'flatten':
    case 'relu':
    case 'leakyrelu':
    case 'sigmoid':
    case 'tanh':
    case 'softmax':
    case 'batchnorm':
    case 'dropout':
      return kind;
  }
}

/** The plain name a layer kind is shown under ("max pooling", not maxpool2d). */
export function kindLabel(kind: LayerKind): string {
  switch (kind) {
    case 'conv2d':
      return 'convolution';
    case 'maxpool2d':
      return 'max pooling';
    case 'avgpool2d':
      return 'average pooling';
    case 'dense':
      return 'dense';
    case 'flatten':
      return 'flatten';
    case 'relu':
      return 'ReLU';
    case 'leakyrelu':
      return 'leaky ReLU';
    case 'sigmoid':
      return 'sigmoid';
    case 'tanh':
      return 'tanh';
    case 'softmax':
      return 'softmax';
    case 'batchnorm':
      return 'batch norm';
    case 'dropout':
      return 'dropout';
  }
}
