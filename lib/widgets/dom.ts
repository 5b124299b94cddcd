/** Small DOM helpers the widgets share. */

/** An element with attributes and children; `style` as a string. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children) e.append(c);
  return e;
}

/**
 * Calls `mount(root, spec)` for every widget root `[data-nnlab-widget=name]` on the page that is
 * not mounted yet, its spec read from the JSON script inside it. Runs now and once the page has
 * loaded (a notebook output may run before its elements are in the document).
 */
export function mountAll<S>(name: string, mount: (root: HTMLElement, spec: S) => void): void {
  const run = () => {
    for (const root of Array.from(document.querySelectorAll<HTMLElement>(`[data-nnlab-widget="${name}"]:not([data-nnlab-mounted])`))) {
      root.setAttribute('data-nnlab-mounted', '');
      const json = root.querySelector('script[type="application/json"]');
      try {
        mount(root, JSON.parse(json?.textContent ?? 'null') as S);
      } catch (err) {
        root.append(el('pre', { style: 'color:#b91c1c' }, `${name}: ${(err as Error).message}`));
        throw err;
      }
    }
  };
  run();
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run);
}

export const FONT = 'font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans CJK SC",sans-serif';
