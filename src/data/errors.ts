/**
 * Error types of the data layer. IdxError: bytes that are not the idx array they claim to be.
 * DataError: a data set that cannot be found, fetched or trusted (missing file, checksum mismatch).
 * ImageError: an image file that cannot be read. Messages name the file and give the facts.
 */
import { ConvscopeError } from '../engine/errors.js';

export class IdxError extends ConvscopeError {}

export class DataError extends ConvscopeError {}

export class ImageError extends ConvscopeError {}
