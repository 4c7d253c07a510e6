/**
 * GET /api/data and GET /api/data/NAME/FILE: the data sets for training in the page. NAME and
 * FILE come from fixed lists (never a path from the client); anything else is a 400 or 404 that
 * says what is allowed. Files are streamed as they are on disk, with an ETag.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DATASET_NAMES, type DatasetName } from '../data/catalog.js';
import type { DataFileName, DataResponse } from './api-types.js';
import { DATA_FILE_NAMES, type DataFiles } from './data-files.js';
import { HttpError, sendJson } from './http-util.js';
import { sendFile } from './static-files.js';

const PREFIX = '/api/data/';

export function isDataFilePath(path: string): boolean {
  return path.startsWith(PREFIX) && path.length > PREFIX.length;
}

export async function dataIndex(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, data: DataFiles): Promise<void> {
  noParams(query);
  const body: DataResponse = { datasets: await data.status() };
  sendJson(req, res, 200, body);
}

export async function dataFile(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, data: DataFiles): Promise<void> {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'method-not-allowed', `${path.slice(0, 200)} takes GET or HEAD, not ${method}`, { Allow: 'GET, HEAD' });
  noParams(query);
  const parts = path.slice(PREFIX.length).replace(/\/$/, '').split('/');
  const shown = (s: string | undefined) => JSON.stringify((s ?? '').slice(0, 80));
  if (parts.length !== 2) {
    throw new HttpError(404, 'not-found', `no API route ${path.slice(0, 200)}; data files are /api/data/NAME/FILE with NAME one of ${DATASET_NAMES.join(', ')} and FILE one of ${DATA_FILE_NAMES.join(', ')}`);
  }
  const [name, file] = parts as [string, string];
  if (!(DATASET_NAMES as readonly string[]).includes(name)) throw new HttpError(404, 'not-found', `unknown data set ${shown(name)}; expected one of ${DATASET_NAMES.join(', ')}`);
  if (!(DATA_FILE_NAMES as readonly string[]).includes(file)) throw new HttpError(404, 'not-found', `unknown data file ${shown(file)}; expected one of ${DATA_FILE_NAMES.join(', ')}`);
  const served = await data.file(name as DatasetName, file as DataFileName);
  // the idx files of a data set never change in content (MD5-checked); the ETag follows size and mtime
  res.setHeader('X-Convscope-Gzip', served.gzip ? '1' : '0');
  sendFile(req, res, served, { cacheControl: 'no-cache' });
}

function noParams(query: URLSearchParams): void {
  const first = query.keys().next();
  if (!first.done) throw new HttpError(400, 'bad-param', `unknown parameter ${JSON.stringify(first.value.slice(0, 80))}; this route takes no parameters`);
}
