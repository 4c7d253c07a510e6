/**
 * A models directory for the "not a digit" end-to-end test, made in the test's setup so it never
 * depends on whether the shipped files carry a calibration yet: the shipped LeNet's weights with a
 * calibration fitted here by src/explain/ood.ts (combined score; class means and covariance of relu1
 * on the first 2,000 training digits, threshold accepting 95% of the first 1,000 test digits), and
 * the same weights with none (lenet-plain), for the message a model without one gets.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeImages, decodeLabels } from '../../src/data/idx.js';
import { decodeModelFile, encodeModelFile } from '../../src/io/model-file.js';
import { imagesFromBytes } from '../../src/explain/activations.js';
import { calibrateOod } from '../../src/explain/ood.js';
import type { OodCalibration } from '../../src/nn/ood.js';
import { REPO_ROOT } from '../helpers.js';

function idx(dir: string, file: string): Uint8Array {
  const b = gunzipSync(readFileSync(join(dir, file)));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function calibratedModelsDir(mnist: string): { dir: string; calibration: OodCalibration } {
  const dir = mkdtempSync(join(tmpdir(), 'convscope-ood-models-'));
  const bytes = new Uint8Array(readFileSync(join(REPO_ROOT, 'models', 'lenet.safetensors')));
  const { model, metadata } = decodeModelFile(bytes, 'lenet.safetensors');
  model.ood = null;
  writeFileSync(join(dir, 'lenet-plain.safetensors'), encodeModelFile(model, { ...metadata, name: 'lenet-plain' }));
  const trainImages = decodeImages(idx(mnist, 'train-images-idx3-ubyte.gz'), 'train-images-idx3-ubyte');
  const trainLabels = decodeLabels(idx(mnist, 'train-labels-idx1-ubyte.gz'), 'train-labels-idx1-ubyte');
  const testImages = decodeImages(idx(mnist, 't10k-images-idx3-ubyte.gz'), 't10k-images-idx3-ubyte');
  const train = { images: imagesFromBytes(trainImages.data, 2000), labels: trainLabels.data.subarray(0, 2000) };
  const calibration = calibrateOod(model, train, imagesFromBytes(testImages.data, 1000));
  model.ood = calibration;
  writeFileSync(join(dir, 'lenet.safetensors'), encodeModelFile(model, metadata));
  return { dir, calibration };
}
