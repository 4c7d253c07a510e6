/**
 * Property tests run from a fixed seed so that a CI run is reproducible: a failure found once is
 * found again on every run until it is fixed. `FC_SEED=<n>` picks another seed and `FC_SEED=random`
 * explores fresh cases each run (fast-check prints the seed of any counterexample it finds).
 */
import fc from 'fast-check';

const requested = process.env.FC_SEED;
if (requested !== 'random') {
  const seed = requested === undefined ? 20261122 : Number(requested);
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", got "${requested}"`);
  fc.configureGlobal({ seed });
}
