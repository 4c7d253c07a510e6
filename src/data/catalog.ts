/**
 * What the data sets are: the four idx files of each, the MD5 of their uncompressed content,
 * and the public mirrors that serve them gzipped. Pure data, shared by the Node loader and
 * anything in the browser that fetches the files itself. It does not fetch or read anything.
 */

export type DatasetName = 'mnist' | 'fashion';

export const DATASET_NAMES: readonly DatasetName[] = ['mnist', 'fashion'];

export type IdxFileKey = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

/** Canonical file names (without `.gz`), the same for both data sets. */
export const IDX_FILE_NAMES: Readonly<Record<IdxFileKey, string>> = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

export const IDX_FILE_KEYS: readonly IdxFileKey[] = ['trainLabels', 'testLabels', 'testImages', 'trainImages'];

export interface DatasetInfo {
  name: DatasetName;
  title: string;
  /** MD5 of each uncompressed file: gzip wrappers differ between mirrors, the content does not. */
  md5: Readonly<Record<IdxFileKey, string>>;
  /** Base URLs, tried in order; each serves `<file name>.gz`. */
  mirrors: readonly string[];
  classNames: readonly string[];
}

export const DATASETS: Readonly<Record<DatasetName, DatasetInfo>> = {
  mnist: {
    name: 'mnist',
    title: 'MNIST',
    md5: {
      trainImages: '6bbc9ace898e44ae57da46a324031adb',
      trainLabels: 'a25bea736e30d166cdddb491f175f624',
      testImages: '2646ac647ad5339dbf082846283269ea',
      testLabels: '27ae3e4e09519cfbb04c329615203637',
    },
    mirrors: ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'https://storage.googleapis.com/cvdf-datasets/mnist/'],
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  },
  fashion: {
    name: 'fashion',
    title: 'Fashion-MNIST',
    md5: {
      trainImages: 'f4a8712d7a061bf5bd6d2ca38dc4d50a',
      trainLabels: '9018921c3c673c538a1fc5bad174d6f9',
      testImages: '8181f5470baa50b63fa0f6fddb340f0a',
      testLabels: '15d484375f8d13e6eb1aabb0c3f46965',
    },
    mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  },
};

/** The data set whose file has this MD5, if any: tells "wrong data set" apart from "corrupted". */
export function datasetOfChecksum(key: IdxFileKey, md5: string): DatasetName | null {
  for (const name of DATASET_NAMES) if (DATASETS[name].md5[key] === md5) return name;
  return null;
}
