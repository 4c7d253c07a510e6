/**
 * The Map view's settings in the URL, beside the app's own (url-state.ts): &maplayer=NAME
 * &method=pca|umap &digits=N, so a map can be shared and a reload keeps it. Pure functions of the
 * query string; the spelling is checked here, whether the layer exists is the view's business.
 */
import { MAP_COUNTS, MAP_METHODS, type MapMethod } from './map-protocol.js';

/** The view whose settings these are (its registry id, web/src/lib/views.ts). */
export const MAP_VIEW: string = 'map';

export interface MapSettings {
  layer: string | null;
  method: MapMethod | null;
  count: number | null;
}

const LAYER_NAME = /^[A-Za-z_][\w-]{0,63}$/;

export function readMapSettings(search: string): MapSettings {
  const q = new URLSearchParams(search);
  const layer = q.get('maplayer');
  const method = q.get('method');
  const count = Number(q.get('digits'));
  return {
    layer: layer !== null && LAYER_NAME.test(layer) ? layer : null,
    method: MAP_METHODS.find((m) => m === method) ?? null,
    count: (MAP_COUNTS as readonly number[]).includes(count) ? count : null,
  };
}

/** The query string with the settings set (a null one removed), every other parameter kept in place. */
export function withMapSettings(search: string, s: MapSettings): string {
  const q = new URLSearchParams(search);
  const set = (key: string, v: string | null): void => (v === null ? q.delete(key) : q.set(key, v));
  set('maplayer', s.layer);
  set('method', s.method);
  set('digits', s.count === null ? null : String(s.count));
  const out = q.toString();
  return out ? `?${out}` : '';
}

/** Writes the settings into the current URL without a new history entry. */
export function writeMapSettings(s: MapSettings): void {
  const search = withMapSettings(location.search, s);
  if (search !== location.search) history.replaceState(history.state, '', `${location.pathname}${search}${location.hash}`);
}
