/**
 * Writes generated photo-like pages of handwritten numbers (src/data/number-pages.ts) as image
 * files, each as it is stored (JPEG at the page's quality, else PNG), with pages.json listing each
 * file's true text, digit boxes [x, y, width, height], which neighbours touch, and how the page
 * was made. The images are not committed: this rebuilds them.
 *
 *   npx tsx scripts/make-number-pages.ts OUT_DIR [--source mnist|synthetic] [--touching] [--count 100]
 *                                        [--from 0] [--seed 1] [--digits 2..8] [--clean] [--png] [--data DIR]
 *
 * --source mnist (default) takes the digits from the MNIST *test* split (found as the CLI finds
 * MNIST, or in --data DIR); synthetic writes them with the generated handwriting. --clean makes
 * scans instead of photos (no rotation, blur, uneven light, noise, specks or JPEG); --png stores
 * every page losslessly; --from starts at that page index (page i is the same in any set).
 */
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDataset } from '../src/data/node-source.js';
import { numberPage, type NumberPageOptions, type NumberSource } from '../src/data/number-pages.js';
import { storePage } from '../src/data/node-number-pages.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    source: { type: 'string', default: 'mnist' },
    touching: { type: 'boolean', default: false },
    count: { type: 'string', default: '100' },
    from: { type: 'string', default: '0' },
    png: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    digits: { type: 'string', default: '2..8' },
    clean: { type: 'boolean', default: false },
    data: { type: 'string' },
  },
});
const usage = 'usage: npx tsx scripts/make-number-pages.ts OUT_DIR [--source mnist|synthetic] [--touching] [--count N] [--from I] [--seed S] [--digits 2..8] [--clean] [--png] [--data DIR]';
const [outArg] = positionals;
const digits = /^(\d+)\.\.(\d+)$/.exec(values.digits);
const count = Number(values.count), seed = Number(values.seed), from = Number(values.from);
if (outArg === undefined || positionals.length !== 1 || !digits || !Number.isInteger(count) || !Number.isInteger(seed) || !Number.isInteger(from) || from < 0 || !['mnist', 'synthetic'].includes(values.source)) {
  console.error(usage);
  process.exit(2);
}
const source = values.source as NumberSource;
const out = resolve(outArg);
mkdirSync(out, { recursive: true });
const mnistTest = source === 'mnist'
  ? (await loadDataset({ dataset: 'mnist', ...(values.data ? { dataDir: resolve(values.data) } : {}), env: process.env })).test
  : undefined;
const options: NumberPageOptions = {
  seed, source, touching: values.touching, photo: !values.clean,
  minDigits: Number(digits[1]), maxDigits: Number(digits[2]),
  ...(mnistTest ? { mnistTest } : {}),
};
const manifest: unknown[] = [];
for (let index = from; index < from + count; index++) {
  const generated = numberPage(options, index);
  const page = values.png ? { ...generated, jpegQuality: null } : generated;
  const stored = storePage(page);
  const file = `page-${String(page.index).padStart(4, '0')}.${stored.extension}`;
  writeFileSync(join(out, file), stored.bytes);
  const { image: _, ...facts } = page;
  manifest.push({ file, ...facts, width: page.image.width, height: page.image.height });
}
writeFileSync(join(out, 'pages.json'), '[\n' + manifest.map((m) => JSON.stringify(m)).join(',\n') + '\n]\n');
console.log(`wrote ${count} page${count === 1 ? '' : 's'} and pages.json to ${out}`);
