/**
 * Which data sets the server can hand the Train view (GET /api/data), and what to say when it has
 * none: the server's own how-to when it gives one, else the command that serves a directory.
 */
import type { DataResponse, DataSetStatus } from '../../../src/server/api-types.js';

export const NO_DATA_HOW_TO = 'start the server with a directory holding the MNIST idx files: `convscope serve --data DIR` (or set CONVSCOPE_DATA=DIR); `convscope train` downloads them into its cache the first time';

export async function fetchDataSets(): Promise<DataSetStatus[]> {
  const res = await fetch('/api/data', { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET /api/data: HTTP ${res.status}`);
  const body = (await res.json()) as Partial<DataResponse>;
  if (!Array.isArray(body.datasets)) throw new Error("GET /api/data: the reply has no 'datasets' list");
  return body.datasets;
}

/** The sentence the view shows when a set is missing. */
export function howToGet(status: DataSetStatus | undefined): string {
  if (!status) return NO_DATA_HOW_TO;
  return [status.reason, status.howTo ?? NO_DATA_HOW_TO].filter(Boolean).join('; ');
}
