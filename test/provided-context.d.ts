/**
 * What test/global-setup.ts hands every test file through vitest's `inject`. A declaration file, so
 * that tests under src/ (compiled with rootDir src) can reference it too:
 * `/// <reference path="../../test/provided-context.d.ts" />`.
 */
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where MNIST is, or the loader's message saying why it could be neither found nor downloaded. */
    mnist: { dir: string } | { error: string };
  }
}
