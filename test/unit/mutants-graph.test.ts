// Pinned net2dot output (written out, not computed): every cluster, node,
// edge, label and style, for a config with each kind of thing it draws. Also
// renderNetworkGraph (files, stdin, svg) and the input/svg errors.
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import type { NetworkConfig } from '../../src/config/types.js'
import { isConlinkError } from '../../src/errors.js'
import { networkToDot } from '../../src/graph/dot.js'
import { renderNetworkGraph } from '../../src/graph/index.js'
import { parseConfigJson } from '../../src/graph/input.js'
import { dotToSvg } from '../../src/graph/svg.js'
import { log } from '../../src/log.js'
import { writeTemp } from './config-helpers.js'
import { richConfig } from './mutants-graph.fixture.js'

const RICH = [
  'graph "conlink" {',
  '  compound=true; rankdir="LR"; fontname="Helvetica";',
  '  node [shape="box", style="rounded", fontname="Helvetica", fontsize=10];',
  '  edge [fontname="Helvetica", fontsize=9];',
  '  subgraph "cluster_host" {',
  '    label="host"; style="filled"; fillcolor="whitesmoke";',
  '    "host/eth0" [label="eth0", shape="box3d"];',
  '    subgraph "cluster_conlink" {',
  '      label="conlink (network container)"; style="filled"; fillcolor="lightyellow";',
  '      subgraph "cluster_bridge/s1" {',
  '        label="bridge s1 (auto: linux)";',
  '        style="rounded,filled"; fillcolor="lightblue";',
  '        "outer/r0_1-eth0" [label="r0_1-eth0"];',
  '        "outer/box\\"1-e\\n1" [label="box\\"1-e\\n1"];',
  '      }',
  '      subgraph "cluster_bridge/s2" {',
  '        label="bridge s2 (linux)";',
  '        style="rounded,filled"; fillcolor="lightblue";',
  '        "outer/r0_1-eth1" [label="r0_1-eth1"];',
  '        "outer/vxlan-1001" [label="vxlan-1001\\nvni 1001\\nudp 8472", shape="cds"];',
  '      }',
  '      subgraph "cluster_bridge/p1" {',
  '        label="patch p1";',
  '        style="dashed"; color="darkorange";',
  '        "outer/pa_1-eth0" [label="pa_1-eth0"];',
  '        "outer/pb_1-eth0" [label="pb_1-eth0"];',
  '        "outer/pa_1-eth0" -- "outer/pb_1-eth0" [label="mirred", style="dashed"];',
  '      }',
  '    }',
  '  }',
  '  subgraph "cluster_svc/r0" {',
  '    label="service r0"; style="rounded,filled"; fillcolor="honeydew";',
  '    "svc/r0/eth0" [label="eth0\\n10.0.0.1/24"];',
  '    "svc/r0/eth1" [label="eth1"];',
  '  }',
  '  subgraph "cluster_svc/pa" {',
  '    label="service pa"; style="rounded,filled"; fillcolor="honeydew";',
  '    "svc/pa/eth0" [label="eth0\\n10.1.0.1/24"];',
  '  }',
  '  subgraph "cluster_svc/pb" {',
  '    label="service pb"; style="rounded,filled"; fillcolor="honeydew";',
  '    "svc/pb/eth0" [label="eth0\\n10.1.0.2/24"];',
  '  }',
  '  subgraph "cluster_svc/hv" {',
  '    label="service hv"; style="rounded,filled"; fillcolor="honeydew";',
  '    "svc/hv/v5" [label="v5\\n10.5.0.1/24"];',
  '    "svc/hv/m0" [label="m0"];',
  '    "svc/hv/d0" [label="d0\\n8.8.8.8/24", style="rounded,dashed"];',
  '  }',
  '  subgraph "cluster_ctr/box\\"1" {',
  '    label="container box\\"1"; style="rounded,filled"; fillcolor="honeydew";',
  '    "ctr/box\\"1/e\\n1" [label="e\\n1"];',
  '  }',
  '  "remote/192.0.2.9" [label="remote host\\n192.0.2.9", shape="box3d"];',
  '  // link service r0:eth0',
  '  "svc/r0/eth0" -- "outer/r0_1-eth0";',
  '  // link service r0:eth1',
  '  "svc/r0/eth1" -- "outer/r0_1-eth1";',
  '  // link service pa:eth0',
  '  "svc/pa/eth0" -- "outer/pa_1-eth0";',
  '  // link service pb:eth0',
  '  "svc/pb/eth0" -- "outer/pb_1-eth0";',
  '  // link service hv:v5',
  '  "svc/hv/v5" -- "host/eth0" [label="vlan 5", style="bold"];',
  '  // link service hv:m0',
  '  "svc/hv/m0" -- "host/eth0" [label="macvlan (bridge)", style="bold"];',
  '  // link container box?1:e?1',
  '  "ctr/box\\"1/e\\n1" -- "outer/box\\"1-e\\n1";',
  '  "outer/vxlan-1001" -- "remote/192.0.2.9" [label="vxlan", style="dashed"];',
  '}',
]

const SMALL = [
  'graph "n\\"x" {',
  '  compound=true; rankdir="LR"; fontname="Helvetica";',
  '  node [shape="box", style="rounded", fontname="Helvetica", fontsize=10];',
  '  edge [fontname="Helvetica", fontsize=9];',
  '  subgraph "cluster_host" {',
  '    label="host"; style="filled"; fillcolor="whitesmoke";',
  '    subgraph "cluster_conlink" {',
  '      label="conlink (network container)"; style="filled"; fillcolor="lightyellow";',
  '      subgraph "cluster_bridge/ghost" {',
  '        label="bridge ghost";',
  '        style="rounded,filled"; fillcolor="lightblue";',
  '        "outer/a_1-eth0" [label="a_1-eth0"];',
  '      }',
  '    }',
  '  }',
  '  subgraph "cluster_svc/a" {',
  '    label="service a"; style="rounded,filled"; fillcolor="honeydew";',
  '    "svc/a/eth0" [label="eth0\\n10.0.0.1/24"];',
  '  }',
  '  // link service a:eth0',
  '  "svc/a/eth0" -- "outer/a_1-eth0";',
  '}',
]

test('networkToDot: the whole graph of a config with linux, patch and auto bridges, host links, a dummy, a tunnel and a quoted name', () => {
  assert.deepEqual(networkToDot(richConfig()).split('\n'), [...RICH, ''])
})

test('networkToDot: a bridge not listed in bridges, a graph name that needs quoting', () => {
  const link = richConfig().services.r0.links[0]
  const config: NetworkConfig = { bridges: {}, tunnels: [], services: { a: { links: [{ ...link, service: 'a', bridge: 'ghost' }], commands: [] } }, containers: {} }
  assert.deepEqual(networkToDot(config, { name: 'n"x' }).split('\n'), [...SMALL, ''])
})

const options = (networkFiles: string[] = []) => ({ composeFiles: [], networkFiles, defaultBridgeMode: 'linux' as const, defaultMtu: 65535, keepVethOffload: false })

test('renderNetworkGraph: from files as DOT and as SVG', async () => {
  const file = writeTemp('graph-net.yaml', 'links:\n  - {service: a, bridge: s1, ip: 10.0.0.1/24}\n')
  const dot = await renderNetworkGraph({ options: options([file]), format: 'dot' })
  assert.match(dot, /^graph "conlink" \{\n/)
  assert.match(dot, /label="bridge s1 \(linux\)";/)
  assert.match(dot, /"svc\/a\/eth0" -- "outer\/a_1-eth0";/)
  const svg = await renderNetworkGraph({ options: options([file]), format: 'svg' })
  assert.match(svg, /^<\?xml /)
  assert.match(svg, /<title>cluster_bridge\/s1<\/title>/)
})

async function withStdin<T>(stdin: NodeJS.ReadableStream & { isTTY?: boolean }, fn: () => Promise<T>): Promise<T> {
  const saved = Object.getOwnPropertyDescriptor(process, 'stdin')!
  Object.defineProperty(process, 'stdin', { value: stdin, configurable: true })
  try {
    return await fn()
  } finally {
    Object.defineProperty(process, 'stdin', saved)
  }
}

test('renderNetworkGraph: config JSON from stdin when no file is given; a terminal on stdin is an error', async () => {
  const json = JSON.stringify(richConfig())
  const chunks = [Buffer.from(json.slice(0, 100)), Buffer.from(json.slice(100))]
  const dot = await withStdin(Readable.from(chunks), () => renderNetworkGraph({ options: options(), format: 'dot' }))
  assert.deepEqual(dot.split('\n'), [...RICH, ''])
  const tty = Object.assign(Readable.from([]), { isTTY: true })
  await assert.rejects(withStdin(tty, () => renderNetworkGraph({ options: options(), format: 'dot' })), (e: unknown) => {
    assert.ok(isConlinkError(e))
    assert.equal(e.message, 'no config on stdin')
    assert.deepEqual(e.place, { file: '<stdin>' })
    assert.equal(e.hint, 'pipe `conlink config ...` into it, or give --compose-file/--network-file')
    return true
  })
})

test('parseConfigJson: each missing part named with its path and the hint', () => {
  const good = { bridges: {}, services: {}, containers: {}, tunnels: [] }
  const cases: Array<[unknown, string, string | undefined]> = [
    [{ ...good, bridges: [] }, 'missing or not a map: bridges', 'bridges'],
    [{ ...good, services: null }, 'missing or not a map: services', 'services'],
    [{ ...good, containers: 'x' }, 'missing or not a map: containers', 'containers'],
    [{ ...good, tunnels: {} }, 'missing or not a list: tunnels (null when there are none)', 'tunnels'],
  ]
  for (const [value, message, path] of cases) {
    assert.throws(() => parseConfigJson(JSON.stringify(value), 'in.json'), (e: unknown) => {
      assert.ok(isConlinkError(e))
      assert.equal(e.message, message)
      assert.deepEqual(e.place, { file: 'in.json', path })
      assert.equal(e.hint, "give the output of `conlink config` (or of upstream conlink's --show-config)")
      return true
    })
  }
  assert.throws(() => parseConfigJson('{'), (e: unknown) => isConlinkError(e) && /^not JSON: /.test(e.message) && e.place.file === '<stdin>')
  assert.deepEqual(parseConfigJson(JSON.stringify(good)), good)
})

test('dotToSvg: a DOT syntax error is a ConlinkError with the renderer\'s messages', async () => {
  await assert.rejects(dotToSvg('graph { a -- }'), (e: unknown) => {
    assert.ok(isConlinkError(e))
    assert.equal(e.message, "cannot render the graph as SVG: syntax error in line 1 near '}'", 'the message, trimmed')
    assert.deepEqual(e.place, { file: 'net2dot' })
    return true
  })
})

test('networkToDot: a patch with one link so far has no mirred edge', () => {
  const config = richConfig()
  delete config.services.pb
  const dot = networkToDot(config)
  assert.match(dot, /"outer\/pa_1-eth0" \[label="pa_1-eth0"\];/)
  assert.doesNotMatch(dot, /mirred/)
})

test('renderNetworkGraph: config warnings go to the log', async () => {
  const file = writeTemp('graph-warn.yaml', 'links:\n  - {container: "x$GRAPH_UNSET", bridge: s1}\n')
  const warned: string[] = []
  const warn = log.warn
  log.warn = (m) => warned.push(m)
  try {
    await renderNetworkGraph({ options: options([file]), format: 'dot' })
  } finally {
    log.warn = warn
  }
  assert.equal(warned.length, 1)
  assert.match(warned[0], /links\[0\]\.container: variable GRAPH_UNSET is not set/)
})
