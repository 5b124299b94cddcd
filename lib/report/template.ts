/**
 * The nbconvert template of the HTML report: JupyterLab's "lab" template made to read like a lab
 * report. Nothing is loaded from the network (no require.js, MathJax or mermaid from a CDN);
 * plotly.js comes once per report from `plotly.min.js` beside the pages (see ./page.ts), and the
 * equations are KaTeX HTML typeset at export, styled by `katex/katex.min.css` beside them (./math.ts).
 * Code cells are folded into a `<details>` (the outputs stay visible); the exporter leaves out the
 * prompts (./driver.ts), so there are no `In [ ]:`.
 * The navigation (index, previous/next, table of contents) is filled in by ./page.ts at the
 * placeholders, because it depends on the other pages of the report.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KATEX_CSS } from './math.js';

export const TEMPLATE_NAME = 'nnlab';

/**
 * Where ./page.ts puts the navigation bar (top and bottom of the page) and the table of contents:
 * each between an opening and a closing comment, so that a later build can replace it again.
 */
export const pagerSlot = (where: 'top' | 'bottom', content = ''): string => `<!--nnlab:pager ${where}-->${content}<!--/nnlab:pager-->`;
export const tocSlot = (content = ''): string => `<!--nnlab:toc-->${content}<!--/nnlab:toc-->`;

/** The shared plotly.js, relative to the pages. */
export const PLOTLY_FILE = 'plotly.min.js';

/**
 * Loads the shared plotly.js once the page has loaded, so that the text is on screen before the
 * browser spends its time on 4.8 MB of script (charts wait for `window.Plotly`; see figureHtml in
 * lib/display/plotly.ts). While it runs, AMD `define` and CommonJS `module`/`exports` are hidden
 * so that its UMD wrapper sets `window.Plotly` (lib/display/plotly.ts explains why).
 */
const PLOTLY_SCRIPT =
  '<script>(function(w,d){function load(){' +
  'var hidden={define:w.define,module:w.module,exports:w.exports};w.define=undefined;w.module=undefined;w.exports=undefined;' +
  'var s=d.createElement("script");s.src=' + JSON.stringify(PLOTLY_FILE) + ';s.className="nnlab-plotly";' +
  's.onload=s.onerror=function(){w.define=hidden.define;w.module=hidden.module;w.exports=hidden.exports;};' +
  'd.body.appendChild(s);}' +
  'if(d.readyState==="complete")load();else w.addEventListener("load",load);})(window,document);</script>';

/** One button opens or folds every code cell of the page. */
const TOGGLE_SCRIPT =
  '<script>document.addEventListener("click",function(e){var b=e.target.closest&&e.target.closest(".nnlab-toggle-code");' +
  'if(!b)return;var all=document.querySelectorAll("details.nnlab-code"),open=b.getAttribute("aria-pressed")!=="true";' +
  'all.forEach(function(d){d.open=open;});document.querySelectorAll(".nnlab-toggle-code").forEach(function(x){' +
  'x.setAttribute("aria-pressed",String(open));x.textContent=open?"hide all code":"show all code";});});</script>';

/*
 * The lab template's own CSS comes after extra_css and sets `overflow: hidden` on the code; these
 * rules therefore go into html_head_css, which comes last.
 */
const CSS = `<style>
  body.jp-Notebook { padding: 0; }
  main { max-width: 1100px; margin: 0 auto; padding: 0 24px 24px; }
  .nnlab-pager { position: sticky; top: 0; z-index: 10; display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: center;
    font: 14px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; padding: 6px 16px; margin: 0 -24px 16px;
    border-bottom: 1px solid #d0d7de; background: #f6f8fa; }
  .nnlab-pager.nnlab-bottom { position: static; margin: 32px -24px 0; border-top: 1px solid #d0d7de; }
  .nnlab-pager a { color: #0969da; text-decoration: none; }
  .nnlab-pager a:hover { text-decoration: underline; }
  .nnlab-pager .nnlab-spacer { flex: 1; }
  .nnlab-pager .nnlab-disabled { color: #8c959f; }
  .nnlab-toggle-code { font: inherit; font-size: 13px; border: 1px solid #d0d7de; border-radius: 6px; background: #fff; padding: 1px 10px; cursor: pointer; }
  .nnlab-toc { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; border: 1px solid #d0d7de; border-radius: 6px;
    padding: 8px 16px; margin: 0 0 16px; background: #fff; }
  .nnlab-toc .nnlab-toc-title { font-weight: 600; margin-bottom: 4px; }
  .nnlab-toc ol { margin: 0; padding-left: 1.4em; }
  .nnlab-toc li.nnlab-toc-h3 { margin-left: 1.2em; list-style: circle; }
  .nnlab-toc a { color: #0969da; text-decoration: none; }
  @media (min-width: 1600px) {
    /* Wide screens: the contents stay in view in the margin left of the page. */
    .nnlab-toc { position: fixed; top: 56px; left: 16px; box-sizing: border-box; width: calc((100vw - 1100px) / 2 - 32px);
      max-height: calc(100vh - 80px); overflow: auto; margin: 0; }
  }
  details.nnlab-code > summary { cursor: pointer; color: #57606a; font: 12px system-ui, sans-serif; padding: 2px 0; width: max-content; }
  details.nnlab-code > summary:hover { color: #0969da; }
  .jp-InputArea, .jp-InputArea-editor { overflow: visible; }
  /* Shown code wraps instead of being cut off at the right edge. */
  .jp-InputArea-editor .highlight pre { white-space: pre-wrap; overflow-wrap: anywhere; }
  .jp-OutputArea-output pre { white-space: pre-wrap; overflow-wrap: anywhere; }
  .jp-OutputArea-output { overflow-x: auto; }
  .nnlab-math { overflow-x: auto; overflow-y: hidden; }
</style>`;

const INDEX_J2 = `{%- extends 'lab/index.html.j2' -%}
{#- Offline: nothing from a CDN; plotly.js is the shared ${PLOTLY_FILE} beside the page. -#}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_css -%}
<link rel="stylesheet" href="${KATEX_CSS}">
${CSS}
{%- endblock html_head_css -%}
{%- block body_header -%}
{{ super() }}
${pagerSlot('top')}
${tocSlot()}
{%- endblock body_header -%}
{#- Code folded by default; the outputs (output_group) stay outside the fold. -#}
{%- block input_group -%}
<details class="nnlab-code"><summary>show code</summary>
{{ super() }}
</details>
{%- endblock input_group -%}
{%- block body_footer -%}
${pagerSlot('bottom')}
${PLOTLY_SCRIPT}
${TOGGLE_SCRIPT}
{{ super() }}
{%- endblock body_footer -%}
`;

const CONF_JSON = JSON.stringify({ base_template: 'lab', mimetypes: { 'text/html': true } }, null, 2);

/** Writes the template under `dir/nnlab/` and returns `dir` (for --TemplateExporter.extra_template_basedirs). */
export function writeTemplate(dir: string): string {
  const t = path.join(dir, TEMPLATE_NAME);
  mkdirSync(t, { recursive: true });
  writeFileSync(path.join(t, 'index.html.j2'), INDEX_J2);
  writeFileSync(path.join(t, 'conf.json'), CONF_JSON);
  return dir;
}
