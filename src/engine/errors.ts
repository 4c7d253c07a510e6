/**
 * Error types that carry the facts: which thing was wrong, where, what was expected and what came.
 * Entry points throw these; hot loops trust what the entry point checked.
 */

/** Base class so callers can tell convscope's own refusals from programming errors. */
export class ConvscopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A tensor of the wrong shape reached a layer, loss or kernel. */
export class ShapeError extends ConvscopeError {}

/** A specification (architecture, recipe, option) that cannot be built. */
export class SpecError extends ConvscopeError {}

/** A number that must be finite was not (NaN or ±Infinity). */
export class NumericError extends ConvscopeError {}

/** Formats a shape the way error messages print it: `[32,1,28,28]`. */
export function formatShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(',')}]`;
}
