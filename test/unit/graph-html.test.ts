// The HTML page around net2dot's SVG (src/graph/html.ts): Graphviz's entity
// escapes read back, link edges marked, the page's parts in place.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { NetworkConfig } from '../../src/config/types.js'
import { networkToDot } from '../../src/graph/dot.js'
import { edgeLinkName, escapeHtml, graphPage, markLinkEdges } from '../../src/graph/html.js'
import { renderNetworkGraph } from '../../src/graph/index.js'
import { writeTemp } from './config-helpers.js'

test('edgeLinkName: service and container link edges, entities decoded; other edges are none', () => {
  assert.equal(edgeLinkName('svc/web/eth0&#45;&#45;outer/web_1&#45;eth0'), 'web:eth0')
  assert.equal(edgeLinkName('ctr/node&#x2d;a/ext&#x2D;if&#45;&#45;host/eth0'), 'node-a:ext-if')
  assert.equal(edgeLinkName('svc/a&amp;b/e&lt;1&gt;&#45;&#45;outer/x'), 'a&b:e<1>')
  assert.equal(edgeLinkName('svc/q&quot;/e0--outer/x'), 'q":e0')
  assert.equal(edgeLinkName('svc/&amp;lt;/e0--outer/x'), '&lt;:e0', '&amp; last: what it gives is not decoded again')
  assert.equal(edgeLinkName('outer/vxlan&#45;7&#45;&#45;remote/10.0.0.1'), undefined)
  assert.equal(edgeLinkName('x svc/web/eth0--outer/y'), undefined, 'from the start of the title only')
  assert.equal(edgeLinkName('svc/web/eth0--remote/y'), undefined)
})

test('escapeHtml: the four characters that matter in text and attributes', () => {
  assert.equal(escapeHtml('a&b <c> "d"'), 'a&amp;b &lt;c&gt; &quot;d&quot;')
  assert.equal(escapeHtml('&&<<>>""'), '&amp;&amp;&lt;&lt;&gt;&gt;&quot;&quot;')
})

test('markLinkEdges: link edges get the class and data attributes (escaped), other edges stay as they are', () => {
  const svg = [
    '<g id="edge12" class="edge">\n  <title>svc/a&amp;b/eth0&#45;&#45;outer/x</title>\n<path d="M0"/></g>',
    '<g id="edge3" class="edge"><title>ctr/c1/e1&#45;&#45;host/eth0</title></g>',
    '<g id="edge4" class="edge">\n<title>outer/v&#45;&#45;remote/r</title></g>',
    '<g id="node1" class="node"><title>svc/a/eth0</title></g>',
  ].join('\n')
  assert.equal(markLinkEdges(svg, 'up'), [
    '<g id="edge12" class="edge conlink-link" data-name="a&amp;b:eth0" data-link="a&amp;b:eth0" data-state="up">\n  <title>svc/a&amp;b/eth0&#45;&#45;outer/x</title>\n<path d="M0"/></g>',
    '<g id="edge3" class="edge conlink-link" data-name="c1:e1" data-link="c1:e1" data-state="up"><title>ctr/c1/e1&#45;&#45;host/eth0</title></g>',
    '<g id="edge4" class="edge">\n<title>outer/v&#45;&#45;remote/r</title></g>',
    '<g id="node1" class="node"><title>svc/a/eth0</title></g>',
  ].join('\n'))
  assert.match(markLinkEdges('<g id="edge1" class="edge"><title>svc/a/e--outer/x</title></g>'), /data-state="configured"/)
})

const SVG = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n\n<svg width="8pt"></svg>\n'

test('graphPage: the SVG without its XML prologue, the title escaped; no script, panel or legend unless given', () => {
  const page = graphPage(SVG, { title: 'net <1>' })
  assert.ok(page.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>net &lt;1&gt;</title>\n<style>\nbody { font-family: Helvetica, Arial, sans-serif;'), page)
  assert.ok(page.includes('.conlink-link[data-state="down"] path { stroke: #d62020; }\n'))
  assert.ok(page.endsWith('</style>\n</head>\n<body>\n<header><h1>net &lt;1&gt;</h1></header>\n<main>\n<div id="graph">\n<svg width="8pt"></svg>\n\n</div>\n\n</main>\n\n</body>\n</html>\n'), page)
})

test('graphPage: the live page\'s header, panel, script and the legend', () => {
  const page = graphPage('<svg/>', { title: 't', header: '<span id="h">x</span>', aside: '<aside>panel</aside>', script: 'go()' })
  assert.ok(page.endsWith([
    '<header><h1>t</h1><span id="h">x</span><span class="legend"><span style="background:#1f9d3a">up</span> <span style="background:#d62020">down</span> <span style="background:#e08a00">impaired</span> <span style="background:#9a9a9a">missing</span></span></header>',
    '<main>\n<div id="graph">\n<svg/>\n</div>\n<aside>panel</aside>\n</main>\n<script>go()</script>\n</body>\n</html>\n',
  ].join('\n')), page)
})

test('networkToDot: an owner with only commands is drawn with them: a string as given, an argv joined', () => {
  const config: NetworkConfig = {
    bridges: {}, tunnels: [], services: {},
    containers: { box: { links: [], commands: [{ container: 'box', command: 'sleep 1', origin: { file: 'g.yaml', path: 'commands[0]' } }, { container: 'box', command: ['ip', 'link', 'show'], origin: { file: 'g.yaml', path: 'commands[1]' } }] } },
  }
  const dot = networkToDot(config)
  assert.ok(dot.includes([
    '  subgraph "cluster_ctr/box" {',
    '    label="container box"; style="rounded,filled"; fillcolor="honeydew";',
    '    "ctr/box/command/0" [label="$ sleep 1", shape="note", style="filled", fillcolor="white"];',
    '    "ctr/box/command/1" [label="$ ip link show", shape="note", style="filled", fillcolor="white"];',
    '  }',
  ].join('\n')), dot)
})

test('renderNetworkGraph --format html: the page around the rendered picture, its link edges marked', async () => {
  const file = writeTemp('graph-html.yaml', 'links:\n  - {service: web, bridge: s1}\n')
  const options = { composeFiles: [], networkFiles: [file], defaultBridgeMode: 'linux' as const, defaultMtu: 65535, keepVethOffload: false }
  const html = await renderNetworkGraph({ options, format: 'html' })
  assert.ok(html.startsWith('<!DOCTYPE html>\n'))
  assert.ok(html.includes('<title>conlink network</title>'))
  assert.deepEqual([...html.matchAll(/data-name="([^"]+)"/g)].map((m) => m[1]), ['web:eth0'])
  assert.match(html, /<svg[\s\S]*<\/svg>/)
})
