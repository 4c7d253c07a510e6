/**
 * A contact sheet of the generated check sets, for looking at them: 100 synthetic digits
 * (src/data/synthetic-digits.ts; row r holds the digit r) beside 100 non-digits
 * (src/data/non-digits.ts; two rows per kind, in the order of NON_DIGIT_KINDS), each image as the
 * network sees it (28×28 after preprocessing, white ink on black), enlarged.
 *
 * Run: npx tsx scripts/make-check-sets.ts OUT.png [--seed N] [--zoom Z]
 */
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { syntheticDigits } from '../src/data/synthetic-digits.js';
import { NON_DIGIT_KINDS, nonDigitImages } from '../src/data/non-digits.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v)) throw new Error(`make-check-sets: ${name} needs an integer, got ${args[i + 1]}`);
  args.splice(i, 2);
  return v;
};
const seed = flag('--seed', 1);
const zoom = flag('--zoom', 3);
const out = args[0];
if (out === undefined || args.length !== 1) {
  console.error('usage: npx tsx scripts/make-check-sets.ts OUT.png [--seed N] [--zoom Z]');
  process.exit(2);
}

const N = 100;
const digits = syntheticDigits({ count: N, seed });
const others = nonDigitImages({ count: N, seed });
const byDigit = Array.from({ length: N }, (_, i) => i).sort((a, b) => digits.labels[a] - digits.labels[b] || a - b);
const byKind = Array.from({ length: N }, (_, i) => i).sort(
  (a, b) => NON_DIGIT_KINDS.indexOf(others.kinds[a]) - NON_DIGIT_KINDS.indexOf(others.kinds[b]) || a - b,
);

const cell = 28 * zoom + 2;
const panel = 10 * cell;
const gap = 3 * cell;
const png = new PNG({ width: 2 * panel + gap, height: panel });
for (let i = 0; i < png.data.length; i += 4) png.data.set([96, 96, 96, 255], i);
const paste = (images: Float32Array, order: number[], left: number): void => {
  order.forEach((k, j) => {
    const x0 = left + (j % 10) * cell + 1;
    const y0 = Math.floor(j / 10) * cell + 1;
    for (let y = 0; y < 28 * zoom; y++) {
      for (let x = 0; x < 28 * zoom; x++) {
        const v = Math.round(255 * images[k * 784 + Math.floor(y / zoom) * 28 + Math.floor(x / zoom)]);
        png.data.set([v, v, v, 255], ((y0 + y) * png.width + x0 + x) * 4);
      }
    }
  });
};
paste(digits.images, byDigit, 0);
paste(others.images, byKind, panel + gap);
writeFileSync(out, PNG.sync.write(png));
console.log(`wrote ${out}: left, synthetic digits 0..9 by row (seed ${seed}); right, two rows each of ${NON_DIGIT_KINDS.join(', ')}`);
console.log(`non-digit variants, by row: ${byKind.map((k) => others.variants[k]).join(' ')}`);
