/**
 * Which data sets the server can hand the Train view (GET /api/data), and what to say when it has
 * none: the command that serves a directory, then the server's own account of where it looked.
 */
import type { DataResponse, DataSetStatus } from '../../../src/server/api-types.js';

/** What the view says when the server has no data set: the command, then the server's own account. */
export const NO_DATA_HOW_TO = 'start the server with a directory holding the four MNIST idx files: `convscope serve --data DIR` (or set CONVSCOPE_DATA=DIR)';

export async function fetchDataSets(): Promise<DataSetStatus[]> {
  const res = await fetch('/api/data', { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET /api/data: HTTP ${res.status}`);
  const body = (await res.json()) as Partial<DataResponse>;
  if (!Array.isArray(body.datasets)) throw new Error("GET /api/data: the reply has no 'datasets' list");
  return body.datasets;
}

/** The server's reasons and advice for a missing set, for a "details" line under the short how-to. */
export function whyMissing(status: DataSetStatus | undefined): string | null {
  if (!status) return null;
  const parts = [status.reason, status.howTo].filter((p): p is string => typeof p === 'string' && p !== '');
  return parts.length ? parts.join(' ') : null;
}
