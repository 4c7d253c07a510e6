/**
 * The "What it looks for" panel's place in the URL: &layer=NAME&channel=C, beside the app's own
 * settings (url-state.ts), so a link can open the Explain view on one channel and a reload keeps
 * it. Pure functions of the query string, plus followLink, which moves to such a link without
 * reloading the page (the app follows the history entry, see App.svelte's popstate listener).
 * It checks only the spelling here; whether the layer and channel exist is the panel's business.
 */

/** The view whose panel the focus belongs to (its registry id, web/src/lib/views.ts). */
export const FOCUS_VIEW: string = 'explain';

/** A channel of a conv layer, by layer name. */
export interface ChannelFocus {
  layer: string;
  channel: number;
}

const LAYER_NAME = /^[A-Za-z_][\w-]{0,63}$/;

/** The focus in a query string, or null when it is missing or malformed (both params are needed). */
export function readFocus(search: string): ChannelFocus | null {
  const q = new URLSearchParams(search);
  const layer = q.get('layer');
  const channel = q.get('channel');
  if (layer === null || channel === null || !LAYER_NAME.test(layer) || !/^\d{1,5}$/.test(channel)) return null;
  return { layer, channel: Number(channel) };
}

/** The query string with the focus set (or removed, for null), every other parameter kept in place. */
export function withFocus(search: string, focus: ChannelFocus | null): string {
  const q = new URLSearchParams(search);
  if (focus) {
    q.set('layer', focus.layer);
    q.set('channel', String(focus.channel));
  } else {
    q.delete('layer');
    q.delete('channel');
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The link that opens the Explain view of `model` on one channel: ?model=M&view=explain&layer=L&channel=C. */
export function lookForHref(model: string, focus: ChannelFocus): string {
  const q = new URLSearchParams({ model, view: FOCUS_VIEW, layer: focus.layer, channel: String(focus.channel) });
  return `?${q.toString()}`;
}

/** What a browser would do with a click on this link by itself: open it elsewhere (modifier keys, other buttons). */
export function opensElsewhere(e: { button: number; metaKey: boolean; ctrlKey: boolean; shiftKey: boolean; altKey: boolean }): boolean {
  return e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey;
}

/** The id of the panel's channel section: where a link to a channel scrolls. */
export const CHANNEL_SECTION_ID = 'looks-for-channel-section';

/**
 * A click on an in-app link: a new history entry and a popstate event, which the app answers by
 * reading the URL again (so Back returns); then, if `target` names an element id, it is scrolled
 * into view as soon as the new view has drawn it (for up to two seconds). Clicks that open a new
 * tab or window are left alone.
 */
export function followLink(e: MouseEvent, href: string, target?: string): void {
  if (opensElsewhere(e)) return;
  e.preventDefault();
  history.pushState(null, '', href);
  dispatchEvent(new PopStateEvent('popstate'));
  if (target === undefined) return;
  let frames = 120;
  const look = (): void => {
    const el = document.getElementById(target);
    if (el) el.scrollIntoView({ block: 'start' });
    else if (--frames > 0) requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
}

/** Writes the focus into the current URL without a new history entry. */
export function writeFocus(focus: ChannelFocus | null): void {
  const search = withFocus(location.search, focus);
  if (search !== location.search) history.replaceState(history.state, '', `${location.pathname}${search}${location.hash}`);
}
