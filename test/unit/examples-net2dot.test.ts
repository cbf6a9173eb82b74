// examples/net2dot.yaml holds every element net2dot draws; rendered to SVG,
// every one of them must be visible as text in the picture.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { loadNetworkConfig } from '../../src/config/index.js'
import { BRIDGE_MODES, TUNNEL_TYPES, type NetworkConfig } from '../../src/config/types.js'
import { networkToDot } from '../../src/graph/dot.js'
import { dotToSvg } from '../../src/graph/svg.js'

const FILE = fileURLToPath(new URL('../../examples/net2dot.yaml', import.meta.url))

async function example(): Promise<NetworkConfig> {
  // probe: no openvswitch, as on this machine and in CI: auto resolves to linux
  return (await loadNetworkConfig({ networkFiles: [FILE], probe: () => false })).config
}

/** The text lines Graphviz wrote into the SVG, entities decoded. */
function svgTexts(svg: string): string[] {
  const decode = (s: string) =>
    s
      .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => decode(m[1]))
}

test('net2dot.yaml uses every element: bridge modes, link kinds, tunnel types, commands', async () => {
  const config = await example()
  const links = [...Object.values(config.services), ...Object.values(config.containers)].flatMap((o) => o.links)
  const commands = [...Object.values(config.services), ...Object.values(config.containers)].flatMap((o) => o.commands)
  assert.deepEqual(new Set(Object.values(config.bridges).map((b) => b.mode)), new Set(BRIDGE_MODES))
  for (const type of ['veth', 'dummy', 'vlan', 'macvlan', 'macvtap', 'ipvlan']) assert.ok(links.some((l) => l.type === type), type)
  assert.ok(links.some((l) => l.container) && links.some((l) => l.service), 'service and container links')
  assert.ok(links.some((l) => l.nat) && links.some((l) => l.route.length), 'nat and route')
  assert.deepEqual(new Set(config.tunnels.map((t) => t.type)), new Set(TUNNEL_TYPES))
  assert.ok(commands.some((c) => typeof c.command === 'string') && commands.some((c) => Array.isArray(c.command)), 'string and argv commands')
})

test('net2dot.yaml rendered to SVG shows every element', async () => {
  const config = await example()
  const svg = await dotToSvg(networkToDot(config))
  assert.match(svg, /<svg[\s\S]*<\/svg>\s*$/)
  const texts = svgTexts(svg)
  const expected = [
    // host, network container, one cluster per bridge with its resolved mode
    'host',
    'conlink (network container)',
    'bridge s1 (auto: linux)',
    'bridge s2 (linux)',
    'bridge s3 (ovs)',
    'patch p1',
    // owners
    'service router',
    'service client',
    'container probe',
    'service tap-a',
    'service tap-b',
    'service server',
    'service sensor',
    // inner interfaces with addresses
    'e1', 'e2', 'e3', 'eth0', 'p0', 'dummy0', 'v5', 'mv0', 'mvt0', 'iv0',
    '10.1.0.1/24', '10.2.0.10/24', '10.3.0.20/24', '10.9.9.9/32', '192.168.5.10/24', '192.168.1.10/24',
    // outer ends: generated (replica 1) and explicit
    'router_1-e1', 'router_1-e2', 'router_1-e3', 'client_1-eth0', 'probe-s3', 'tap-a_1-p0', 'tap-b_1-p0',
    // patch edge, host parents, host link edge labels
    'mirred',
    'eni0', 'eni1',
    'vlan 5', 'macvlan (bridge)', 'macvtap (bridge)', 'ipvlan (l2)',
    // tunnels in their bridges, remote hosts, edge labels
    'vxlan-1001', 'vni 1001', 'geneve-1002', 'vni 1002', 'remote host', '10.0.0.1', '10.0.0.2', 'vxlan', 'geneve',
    // commands
    '$ httpd -f -p 10.9.9.9:80',
    '$ sysctl -w net.ipv4.ip_forward=1',
  ]
  const missing = expected.filter((e) => !texts.includes(e))
  assert.deepEqual(missing, [], `not in the SVG; its texts are:\n${texts.join('\n')}`)
  // Every link is drawn: one edge per non-dummy link, one per tunnel, plus the patch.
  const edges = (svg.match(/<g id="edge\d+" class="edge">/g) ?? []).length
  const links = [...Object.values(config.services), ...Object.values(config.containers)].flatMap((o) => o.links)
  assert.equal(edges, links.filter((l) => l.type !== 'dummy').length + config.tunnels.length + 1)
})
