/**
 * The hands-on views' settings in the URL, beside the app's own (url-state.ts), so a comparison
 * or a transformed digit can be shared and a reload keeps it: the Side by side view's second model
 * (&with=NAME) and the Invariance view's sliders (&shiftX=4&rotate=30…, only those moved). Pure
 * functions of the query string; values outside a slider's range are dropped, not clamped.
 */
import { AXES, IDENTITY, type DigitTransform } from '../../../src/explain/invariance.js';

export const COMPARE_VIEW: string = 'compare';
export const INVARIANCE_VIEW: string = 'invariance';

const MODEL_NAME = /^[A-Za-z0-9][\w-]{0,63}$/;

export function readCompareWith(search: string): string | null {
  const v = new URLSearchParams(search).get('with');
  return v !== null && MODEL_NAME.test(v) ? v : null;
}

export function readTransform(search: string): DigitTransform {
  const q = new URLSearchParams(search);
  const t: DigitTransform = { ...IDENTITY };
  for (const r of AXES) {
    const text = q.get(r.axis);
    const v = text === null || text.trim() === '' ? Number.NaN : Number(text);
    if (Number.isFinite(v) && v >= r.min && v <= r.max) t[r.axis] = v;
  }
  return t;
}

function replace(search: string, set: (q: URLSearchParams) => void): string {
  const q = new URLSearchParams(search);
  set(q);
  const out = q.toString();
  return out ? `?${out}` : '';
}

export function withCompareWith(search: string, name: string | null): string {
  return replace(search, (q) => (name === null ? q.delete('with') : q.set('with', name)));
}

/** The query string with the moved sliders set and the resting ones removed. */
export function withTransform(search: string, t: DigitTransform): string {
  return replace(search, (q) => {
    for (const r of AXES) {
      if (t[r.axis] === IDENTITY[r.axis]) q.delete(r.axis);
      else q.set(r.axis, String(+t[r.axis].toFixed(4)));
    }
  });
}

/** Writes a query string made by one of the functions above without a new history entry. */
export function replaceSearch(search: string): void {
  if (search !== location.search) history.replaceState(history.state, '', `${location.pathname}${search}${location.hash}`);
}
