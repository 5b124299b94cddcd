/**
 * The nbconvert template of the HTML report: JupyterLab's "lab" template with nothing loaded
 * from the network (no require.js, MathJax or mermaid from a CDN; plotly.js is inlined in the
 * outputs) and a header linking back to the index.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const TEMPLATE_NAME = 'nnlab';

const INDEX_J2 = `{%- extends 'lab/index.html.j2' -%}
{#- Offline: nothing from a CDN. Plotly is inlined in the outputs by nnlab's show(). -#}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block extra_css -%}
<style>
  .nnlab-nav { font: 14px system-ui, sans-serif; padding: 8px 16px; border-bottom: 1px solid #d0d7de; background: #f6f8fa; }
  .nnlab-nav a { color: #0969da; text-decoration: none; margin-right: 1em; }
</style>
{%- endblock extra_css -%}
{%- block body_header -%}
{{ super() }}
<nav class="nnlab-nav"><a href="index.html">&larr; nnlab lab report</a></nav>
{%- endblock body_header -%}
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
