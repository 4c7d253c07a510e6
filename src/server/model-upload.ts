/**
 * POST /api/models: a model file as the request body (application/octet-stream; .safetensors or
 * .onnx, told apart by their first bytes). Nothing is stored until the whole body has arrived within
 * the size limit and decodes to a model the explorer can run (one 28×28 image in, ten classes out).
 * It is then written atomically (temp file, fsync, rename) into the models directory under a name
 * made from its SHA-256, upload-<12 hex digits>.<format>: never a name or path the client sent, and
 * the same file uploaded twice is one model. One upload at a time, so at most one body is held in
 * memory; a bounded number of uploads are kept. It does not delete or replace existing files.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { formatShape } from '../engine/errors.js';
import { writeFileAtomic } from '../io/node-atomic-write.js';
import type { ModelFileFormat, UploadResponse } from './api-types.js';
import { HttpError, readBody, sendJson } from './http-util.js';
import { decodeModelBytes, MAX_SERVED_MODEL_BYTES, type DecodedModel, type ModelRegistry } from './model-registry.js';

/** The same limit as for the files the server serves: every zoo model is under 3 MB. */
export const MAX_UPLOAD_BYTES = MAX_SERVED_MODEL_BYTES;
/** Uploads kept in the models directory at most (each up to MAX_UPLOAD_BYTES): a full disk is refused, not caused. */
export const MAX_UPLOADED_MODELS = 100;

const UPLOAD_FILE = /^upload-[0-9a-f]{12}\.(safetensors|onnx)$/;

/** safetensors starts with the header's length (u64, little-endian) and the header's opening '{'. */
function looksLikeSafetensors(b: Uint8Array): boolean {
  if (b.length < 10) return false;
  const n = new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(0, true);
  return n > 0n && 8n + n <= BigInt(b.length) && b[8] === 0x7b;
}

/** The uploaded bytes as a model, or a 422 that says why not. */
export function decodeUpload(bytes: Uint8Array): { format: ModelFileFormat; decoded: DecodedModel } {
  if (bytes.length === 0) throw new HttpError(400, 'bad-body', 'the request body is empty; POST the bytes of a .safetensors or .onnx model file');
  const format: ModelFileFormat = looksLikeSafetensors(bytes) ? 'safetensors' : 'onnx';
  let decoded: DecodedModel;
  try {
    decoded = decodeModelBytes(bytes, `uploaded ${format} file`, format);
  } catch (e) {
    const why = (e as Error).message;
    throw new HttpError(
      422,
      'bad-model',
      format === 'safetensors' ? why : `not a safetensors model file (no header length and '{' in its first 9 bytes), and not an ONNX model this server can read: ${why}`,
    );
  }
  const { model } = decoded;
  const size = (s: readonly number[]) => s.reduce((a, d) => a * d, 1);
  if (size(model.inputShape) !== 28 * 28) {
    throw new HttpError(422, 'bad-model', `the model takes input ${formatShape(model.inputShape)}; the explorer runs models on one 28×28 image ([1,28,28] or [784])`);
  }
  if (size(model.outputShape) !== 10) {
    throw new HttpError(422, 'bad-model', `the model has output ${formatShape(model.outputShape)}; the explorer needs ten classes, one per digit`);
  }
  return { format, decoded };
}

export class ModelUploads {
  private busy = false;

  constructor(
    readonly dir: string,
    private readonly registry: ModelRegistry,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/octet-stream') {
      throw new HttpError(415, 'unsupported-media-type', `expected Content-Type: application/octet-stream (the model file's bytes), got ${type === '' ? 'none' : JSON.stringify(type.slice(0, 80))}`);
    }
    if (this.busy) throw new HttpError(503, 'busy', 'another upload is in progress; try again in a moment', { 'Retry-After': '1' });
    this.busy = true;
    try {
      const body = await readBody(req, MAX_UPLOAD_BYTES);
      const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      const { format, decoded } = decodeUpload(bytes);
      const name = `upload-${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
      const file = `${name}.${format}`;
      const path = join(this.dir, file);
      let created = false;
      if ((await stat(path).catch(() => null)) === null) {
        const kept = (await readdir(this.dir)).filter((f) => UPLOAD_FILE.test(f)).length;
        if (kept >= MAX_UPLOADED_MODELS) {
          throw new HttpError(507, 'too-many-uploads', `the models directory already holds ${kept} uploaded models, the most this server keeps; delete some upload-*.safetensors or upload-*.onnx files from ${this.dir}`);
        }
        await writeFileAtomic(path, bytes);
        created = true;
      }
      const st = await stat(path);
      this.registry.remember({ name, file, path, format, size: st.size, mtimeMs: st.mtimeMs }, decoded);
      const entry = await this.registry.get(name);
      if (!entry) throw new HttpError(500, 'server-error', `${file} was stored but cannot be read back`);
      const out: UploadResponse = { model: entry.info, created };
      sendJson(req, res, created ? 201 : 200, out, { Location: entry.info.file ?? '' });
    } finally {
      this.busy = false;
    }
  }
}
