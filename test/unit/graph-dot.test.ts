import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { LinkSpec, NetworkConfig, OwnerConfig } from '../../src/config/types.js'
import { networkToDot, quote } from '../../src/graph/dot.js'
import { dotToSvg } from '../../src/graph/svg.js'
import { parseConfigJson } from '../../src/graph/input.js'
import type { ConlinkError } from '../../src/errors.js'

function link(l: Partial<LinkSpec> & { dev: string }): LinkSpec {
  const base = l.type === 'dummy' ? 'local' : l.type && l.type !== 'veth' ? 'host' : 'conlink'
  return { type: 'veth', route: [], netem: [], forward: [], ethtool: [], base, origin: { file: 'test.yaml', path: 'links[0]' }, ...l }
}

function owner(...links: LinkSpec[]): OwnerConfig {
  return { links, commands: [] }
}

/** Shaped like examples/test1-compose.yaml: router r0 on s1/s2/s3, hosts h1/h2/h3. */
function t1Config(): NetworkConfig {
  const bridge = (name: string) => ({ bridge: name, mode: 'auto' as const, 'resolved-mode': 'linux' as const })
  return {
    bridges: { s1: bridge('s1'), s2: bridge('s2'), s3: bridge('s3') },
    tunnels: [],
    services: {
      r0: owner(
        link({ service: 'r0', dev: 'eth-s1', bridge: 's1', ip: '192.168.1.1/24' }),
        link({ service: 'r0', dev: 'eth-s2', bridge: 's2', ip: '172.16.0.1/12' }),
        link({ service: 'r0', dev: 'eth-s3', bridge: 's3', ip: '10.0.0.1/8' }),
      ),
      h1: owner(link({ service: 'h1', dev: 'eth0', bridge: 's1', ip: '192.168.1.100/24', route: ['default via 192.168.1.1'] })),
      h2: owner(link({ service: 'h2', dev: 'eth0', bridge: 's2', ip: '172.16.0.100/12', route: ['default via 172.16.0.1'] })),
      h3: owner(link({ service: 'h3', dev: 'eth0', bridge: 's3', ip: '10.0.0.100/8', route: ['default via 10.0.0.1'] })),
    },
    containers: {},
  }
}

test('T1: host cluster holds conlink cluster with one cluster per bridge', () => {
  const dot = networkToDot(t1Config())
  assert.match(dot, /^graph "conlink" \{\n/)
  const host = dot.indexOf('subgraph "cluster_host"')
  const conlink = dot.indexOf('subgraph "cluster_conlink"')
  assert.ok(host >= 0 && conlink > host)
  for (const b of ['s1', 's2', 's3']) assert.ok(dot.indexOf(`subgraph "cluster_bridge/${b}"`) > conlink, b)
  for (const s of ['r0', 'h1', 'h2', 'h3']) assert.ok(dot.includes(`subgraph "cluster_svc/${s}"`), s)
})

test('T1: r0 interfaces, their outer ends in the bridges and edges', () => {
  const dot = networkToDot(t1Config())
  const lines = dot.split('\n')
  const r0Lines = lines.filter((l) => l.includes('r0') && /eth-s[123]/.test(l))
  assert.ok(r0Lines.length >= 10, `only ${r0Lines.length} lines mention r0 and an interface:\n${r0Lines.join('\n')}`)
  assert.ok(lines.some((l) => l.includes('"svc/r0/eth-s1" [label="eth-s1\\n192.168.1.1/24"]')))
  assert.ok(lines.some((l) => l.includes('"outer/r0_1-eth-s2" [label="r0_1-eth-s2"]')))
  assert.ok(lines.some((l) => l.trim() === '"svc/r0/eth-s3" -- "outer/r0_1-eth-s3";'))
  assert.ok(lines.some((l) => l.trim() === '"svc/h1/eth0" -- "outer/h1_1-eth0";'))
  // each outer end sits inside its bridge's cluster
  const s2 = dot.slice(dot.indexOf('"cluster_bridge/s2"'), dot.indexOf('"cluster_bridge/s3"'))
  assert.ok(s2.includes('"outer/r0_1-eth-s2"') && s2.includes('"outer/h2_1-eth0"'))
  assert.ok(!s2.includes('"outer/r0_1-eth-s1"'))
  assert.match(dot, /label="bridge s1 \(auto: linux\)"/)
})

test('explicit outer-dev, container links, vlan/macvlan on host, dummy, tunnel, patch', () => {
  const config: NetworkConfig = {
    bridges: { p1: { bridge: 'p1', mode: 'patch', 'resolved-mode': 'patch' }, s1: { bridge: 's1', mode: 'linux', 'resolved-mode': 'linux' } },
    // @ts-expect-error no port: the JSON of a conlink config from before tunnel ports (drawn without one)
    tunnels: [{ type: 'vxlan', bridge: 's1', remote: '192.0.2.7', vni: 1001, netem: [], 'outer-dev': 'vxlan-1001', origin: { file: 'n.yaml', path: 'tunnels[0]' } }],
    services: {
      node: owner(
        link({ service: 'node', dev: 'eth0', bridge: 's1', 'outer-dev': 'my-outer' }),
        link({ service: 'node', dev: 'v100', type: 'vlan', vlanid: 100, 'outer-dev': 'eth9' }),
        link({ service: 'node', dev: 'mv0', type: 'macvlan', mode: 'bridge', 'outer-dev': 'eth9' }),
        link({ service: 'node', dev: 'lo1', type: 'dummy', ip: '8.8.8.8/24' }),
      ),
    },
    containers: { c1: owner(link({ container: 'c1', dev: 'p0', bridge: 'p1' })), c2: owner(link({ container: 'c2', dev: 'p0', bridge: 'p1' })) },
  }
  const dot = networkToDot(config)
  assert.ok(dot.includes('"svc/node/eth0" -- "outer/my-outer";'))
  assert.ok(dot.includes('"svc/node/v100" -- "host/eth9" [label="vlan 100", style="bold"];'))
  assert.ok(dot.includes('"svc/node/mv0" -- "host/eth9" [label="macvlan (bridge)", style="bold"];'))
  assert.equal(dot.split('\n').filter((l) => l.trim().startsWith('"host/eth9" [')).length, 1, 'one node per host parent')
  const host = dot.slice(dot.indexOf('"cluster_host"'), dot.indexOf('"cluster_conlink"'))
  assert.ok(host.includes('"host/eth9"'), 'host parent drawn in the host cluster, outside conlink')
  assert.ok(dot.includes('"svc/node/lo1" [label="lo1\\n8.8.8.8/24"'))
  assert.ok(!/"svc\/node\/lo1" --/.test(dot), 'dummy has no edge')
  assert.ok(dot.includes('"ctr/c1/p0" -- "outer/c1-p0";'))
  assert.ok(dot.includes('"outer/vxlan-1001" -- "remote/192.0.2.7" [label="vxlan"'))
  assert.ok(dot.includes('"remote/192.0.2.7" [label="remote host\\n192.0.2.7"'))
  const s1 = dot.slice(dot.indexOf('"cluster_bridge/s1"'))
  assert.ok(s1.includes('"outer/vxlan-1001" [label="vxlan-1001\\nvni 1001"'), 'tunnel inside its bridge')
  const p1 = dot.slice(dot.indexOf('"cluster_bridge/p1"'), dot.indexOf('"cluster_bridge/s1"'))
  assert.match(p1, /label="patch p1"/)
  assert.match(p1, /style="dashed"/)
  assert.ok(p1.includes('"outer/c1-p0" -- "outer/c2-p0"'), 'patch joins its two ends directly')
})

test('quotes, backslashes and newlines in names cannot break out of DOT strings', () => {
  assert.equal(quote('a"b'), '"a\\"b"')
  assert.equal(quote('a\\'), '"a\\\\"')
  assert.equal(quote('x\ny'), '"x\\ny"')
  const evil = 'x"; evil [label="pwn'
  const config: NetworkConfig = {
    bridges: { [evil]: { bridge: evil, mode: 'linux', 'resolved-mode': 'linux' } },
    tunnels: [],
    services: {},
    containers: { [evil]: owner(link({ container: evil, dev: 'e"0\\', bridge: evil, ip: '1.2.3.4/24\n}' })) },
  }
  const dot = networkToDot(config)
  assert.ok(dot.includes('x\\"; evil [label=\\"pwn'))
  // every line has balanced unescaped quotes
  for (const line of dot.split('\n')) {
    const unescaped = line.replace(/\\\\/g, '').replace(/\\"/g, '').split('"').length - 1
    assert.equal(unescaped % 2, 0, line)
  }
})

test('escaped names render: Graphviz parses the DOT', async () => {
  const evil = 'we"ird\\name'
  const config = t1Config()
  config.containers[evil] = owner(link({ container: evil, dev: 'eth"0', bridge: 's1' }))
  const svg = await dotToSvg(networkToDot(config))
  assert.ok(svg.includes('we&quot;ird\\name') || svg.includes('we"ird\\name'), 'name kept')
})

test('SVG output', async () => {
  const svg = await dotToSvg(networkToDot(t1Config()))
  assert.match(svg, /^(<\?xml|<svg)/)
  assert.ok(svg.includes('</svg>'))
  // Graphviz writes '-' as &#45; in SVG text
  assert.ok(svg.includes('r0_1&#45;eth&#45;s1') && svg.includes('192.168.1.1/24'))
})

test('SVG of broken DOT is a clear error', async () => {
  await assert.rejects(dotToSvg('graph {'), /cannot render the graph as SVG/)
})

test('input JSON: round trip and clear errors', () => {
  const config = t1Config()
  assert.deepEqual(parseConfigJson(JSON.stringify(config)), config)
  assert.throws(() => parseConfigJson('{'), (e: ConlinkError) => e.describe().startsWith('<stdin>: not JSON'))
  assert.throws(() => parseConfigJson('{"bridges": {}, "services": {}, "containers": {}}'), /tunnels/)
  assert.throws(() => parseConfigJson('[]'), /bridges/)
})
