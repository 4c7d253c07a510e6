/**
 * The app's settings in the URL (model, view, selected unit, step), so a view can be shared or
 * reloaded. Reading trusts nothing: unknown values fall back to defaults (the views are those of
 * the registry, views.ts; the first is the default). Writing replaces the history entry rather
 * than piling one up per click. The Explain view's channel (&layer=&channel=, looks-for-url.ts)
 * is its panel's to write, the Map view's (&maplayer=&method=&digits=, map-url.ts) that view's,
 * and Side by side's (&with=) and Invariance's (&shiftX=&rotate=…, hands-on-url.ts) theirs;
 * writing the app's settings keeps them while their view is open.
 */
import { VIEW_IDS, type ViewId } from './views.js';
import { FOCUS_VIEW, readFocus, withFocus } from './looks-for-url.js';
import { MAP_VIEW, readMapSettings, withMapSettings } from './map-url.js';
import { COMPARE_VIEW, INVARIANCE_VIEW, readCompareWith, readTransform, withCompareWith, withTransform } from './hands-on-url.js';

export interface UrlState {
  model: string | null;
  view: ViewId;
  /** layer name and flat unit index */
  unit: { layer: string; index: number } | null;
  step: number | null;
}

export function readUrlState(search: string): UrlState {
  const q = new URLSearchParams(search);
  const view = q.get('view');
  const unitText = q.get('unit');
  let unit: UrlState['unit'] = null;
  const m = unitText ? /^([A-Za-z_][\w-]*):(\d{1,7})$/.exec(unitText) : null;
  if (m) unit = { layer: m[1], index: Number(m[2]) };
  const stepText = q.get('step');
  const step = stepText !== null && /^\d{1,2}$/.test(stepText) ? Number(stepText) : null;
  const model = q.get('model');
  return {
    model: model !== null && /^[A-Za-z0-9][\w-]{0,63}$/.test(model) ? model : null,
    view: VIEW_IDS.find((v) => v === view) ?? VIEW_IDS[0],
    unit,
    step,
  };
}

export function writeUrlState(s: UrlState): void {
  const q = new URLSearchParams();
  if (s.model) q.set('model', s.model);
  q.set('view', s.view);
  if (s.unit) q.set('unit', `${s.unit.layer}:${s.unit.index}`);
  if (s.step !== null) q.set('step', String(s.step));
  const focus = s.view === FOCUS_VIEW ? readFocus(location.search) : null;
  let search = withFocus(`?${q.toString()}`, focus);
  if (s.view === MAP_VIEW) search = withMapSettings(search, readMapSettings(location.search));
  if (s.view === COMPARE_VIEW) search = withCompareWith(search, readCompareWith(location.search));
  if (s.view === INVARIANCE_VIEW) search = withTransform(search, readTransform(location.search));
  const url = `${location.pathname}${search}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, '', url);
}
