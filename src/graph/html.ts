// The network picture as a self-contained HTML page: the SVG that net2dot
// renders, inline, with every link's edge marked for scripts and styles
// (`data-name="SERVICE:DEV"`, `data-link`, `data-state`). No external fetches.

/** `&#45;` and the other entities Graphviz writes in titles, back to text. */
function decodeEntities(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCharCode(parseInt(n, 16)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** The configured link an edge draws (`svc/h1/eth0 -- outer/...` is `h1:eth0`), or undefined for other edges. */
export function edgeLinkName(title: string): string | undefined {
  const m = /^(?:svc|ctr)\/(.+)\/([^/]+)--(?:outer|host)\//.exec(decodeEntities(title))
  return m ? `${m[1]}:${m[2]}` : undefined
}

/** Mark each link edge of a Graphviz SVG: class `conlink-link`, `data-name`, `data-link` and `data-state`. */
export function markLinkEdges(svg: string, state = 'configured'): string {
  return svg.replace(/<g id="(edge\d+)" class="edge">(\s*<title>)([^<]*)(<\/title>)/g, (whole, id: string, open: string, title: string, close: string) => {
    const name = edgeLinkName(title)
    if (!name) return whole
    const n = escapeHtml(name)
    return `<g id="${id}" class="edge conlink-link" data-name="${n}" data-link="${n}" data-state="${state}">${open}${title}${close}`
  })
}

export const PAGE_STYLE = `
body { font-family: Helvetica, Arial, sans-serif; margin: 0; color: #222; }
header { padding: 8px 14px; background: #24446b; color: #fff; display: flex; gap: 18px; align-items: baseline; }
header h1 { font-size: 17px; margin: 0; }
main { display: flex; gap: 12px; padding: 10px; }
#graph { flex: 1; overflow: auto; }
#graph svg { max-width: 100%; height: auto; }
.conlink-link path { stroke-width: 4px; }
.conlink-link { cursor: pointer; }
.conlink-link[data-state="up"] path { stroke: #1f9d3a; }
.conlink-link[data-state="down"] path { stroke: #d62020; }
.conlink-link[data-state="missing"] path { stroke: #9a9a9a; stroke-dasharray: 2 4; }
.conlink-link[data-state="impaired"] path { stroke: #e08a00; }
.conlink-link.selected path { stroke-width: 7px; }
.conlink-link path.hit { stroke: transparent !important; stroke-width: 16px !important; stroke-dasharray: none !important; pointer-events: stroke; }
aside { width: 330px; font-size: 13px; }
aside h2 { font-size: 14px; margin: 6px 0; }
aside pre { white-space: pre-wrap; background: #f4f4f4; padding: 6px; }
aside button { margin: 2px; }
aside input { width: 70px; }
#events { max-height: 260px; overflow: auto; font-family: monospace; font-size: 11px; }
.legend span { padding: 0 6px; border-radius: 3px; color: #fff; }
`

export interface PageOptions {
  title: string
  /** Extra markup after the graph (the live page's panel). */
  aside?: string
  /** A script run in the page (the live page's); none for the static page. */
  script?: string
  header?: string
}

/** A complete HTML document around an SVG picture. */
export function graphPage(svg: string, opts: PageOptions): string {
  const legend = '<span class="legend"><span style="background:#1f9d3a">up</span> <span style="background:#d62020">down</span> <span style="background:#e08a00">impaired</span> <span style="background:#9a9a9a">missing</span></span>'
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(opts.title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(opts.title)}</h1>${opts.header ?? ''}${opts.script ? legend : ''}</header>
<main>
<div id="graph">
${svg.replace(/^<\?xml[^>]*>\s*/, '').replace(/<!DOCTYPE[^>]*>\s*/, '')}
</div>
${opts.aside ?? ''}
</main>
${opts.script ? `<script>${opts.script}</script>` : ''}
</body>
</html>
`
}
