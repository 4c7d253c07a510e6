/**
 * The data options every data-reading command shares (--data, --dataset) and the one place that
 * turns them into a loaded data set, with download progress on stderr.
 */
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { formatProgress, loadDataset, type DataProgress } from '../data/node-source.js';
import type { Dataset } from '../data/dataset.js';
import type { CliIo } from './io.js';

export interface DataOptions {
  data?: string;
  dataset: 'mnist' | 'fashion';
}

/** `defaultDataset` null: no default (evaluate takes the data set the model file records). */
export function addDataOptions(cmd: Command, defaultDataset: 'mnist' | 'fashion' | null = 'mnist'): Command {
  cmd.option('--data <dir>', 'directory with the four idx files (default: $CONVSCOPE_DATA, then the download cache)');
  const ds = new Option('--dataset <name>', 'data set').choices(['mnist', 'fashion']);
  cmd.addOption(defaultDataset ? ds.default(defaultDataset) : ds);
  return cmd;
}

export async function loadCliDataset(flags: DataOptions, io: CliIo): Promise<Dataset> {
  let lastDownloadLine = 0;
  const onProgress = (p: DataProgress) => {
    // Download progress arrives per chunk; a line a second is plenty.
    if (p.kind === 'download') {
      if (Date.now() - lastDownloadLine < 1000) return;
      lastDownloadLine = Date.now();
    }
    io.err(`${formatProgress(p)}\n`);
  };
  return loadDataset({
    dataset: flags.dataset,
    ...(flags.data !== undefined ? { dataDir: resolve(io.cwd, flags.data) } : {}),
    env: io.env,
    onProgress,
  });
}
