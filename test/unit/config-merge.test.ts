import { test } from 'node:test'
import assert from 'node:assert/strict'
import { deepMerge, mergePieces, mergeIdentities } from '../../src/config/merge.js'
import { linkLabel } from '../../src/config/label.js'
import { loadNetworkConfig } from '../../src/config/index.js'
import { writeTemp } from './config-helpers.js'

test('deepMerge: maps key by key, lists concatenate, scalars later wins', () => {
  assert.deepEqual(deepMerge({ a: 1, m: { x: 1, l: [1] } }, { a: 2, m: { y: 2, l: [2] } }), { a: 2, m: { x: 1, y: 2, l: [1, 2] } })
})

test('mergePieces: lists concatenate in piece order with origins', () => {
  const m = mergePieces([
    { file: 'c.yaml', prefix: 'x-network.', doc: { links: [{ service: 'a' }] } },
    { file: 'c.yaml', prefix: 'services.b.x-network.', doc: { links: [{ service: 'b' }], commands: [{ service: 'b', command: 'x' }] } },
    { file: 'n.yaml', prefix: '', doc: { links: [{ service: 'c' }], foo: 1 } },
  ])
  assert.deepEqual(
    m.links.map((l) => [l.value, l.origin.file, l.origin.path]),
    [
      [{ service: 'a' }, 'c.yaml', 'x-network.links[0]'],
      [{ service: 'b' }, 'c.yaml', 'services.b.x-network.links[0]'],
      [{ service: 'c' }, 'n.yaml', 'links[0]'],
    ],
  )
  assert.equal(m.commands[0].origin.path, 'services.b.x-network.commands[0]')
  assert.deepEqual(m.other.foo.origin, { file: 'n.yaml', path: 'foo' })
})

test('identity: (service or container):dev with dev default eth0', () => {
  assert.equal(linkLabel({ service: 'n' }), 'service n:eth0')
  assert.equal(linkLabel({ container: 'n', dev: 'e1' }), 'container n:e1')
})

test('mergeIdentities: later keys win, key origins kept, bridges by name', () => {
  const m = mergeIdentities(
    mergePieces([
      { file: 'a', prefix: '', doc: { links: [{ service: 'n', bridge: 's1', netem: 'delay 200ms', mtu: 1000 }], bridges: [{ bridge: 's1', mode: 'ovs' }] } },
      { file: 'b', prefix: '', doc: { links: [{ service: 'n', dev: 'eth0', netem: 'delay 40ms' }, { service: 'n', dev: 'eth1', bridge: 's1' }], bridges: [{ bridge: 's1', mode: 'linux' }] } },
    ]),
  )
  assert.equal(m.links.length, 2)
  assert.deepEqual(m.links[0].value, { service: 'n', bridge: 's1', netem: 'delay 40ms', mtu: 1000, dev: 'eth0' })
  assert.equal(m.links[0].keyOrigins!.netem.file, 'b')
  assert.equal(m.links[0].keyOrigins!.mtu.file, 'a')
  assert.deepEqual(m.bridges.map((b) => b.value), [{ bridge: 's1', mode: 'linux' }])
})

test('T7 merge order: the service\'s own netem wins over the top-level one', async () => {
  const f = writeTemp(
    't7.yaml',
    `x-network:
  links:
    - {service: node, bridge: s1, netem: "delay 200ms"}
services:
  node:
    x-network:
      links:
        - {bridge: s1, netem: "rate 10mbit delay 40ms", mtu: 4111}
`,
  )
  const net = writeTemp('t7-net.yaml', 'links:\n  - {service: node, dev: eth0, ip: 10.0.0.1/24}\n')
  const { config } = await loadNetworkConfig({ composeFiles: [f], networkFiles: [net], env: {}, probe: () => false })
  const links = config.services.node.links
  assert.equal(links.length, 1)
  assert.deepEqual(links[0].netem, ['rate 10mbit delay 40ms'])
  assert.equal(links[0].mtu, 4111)
  assert.equal(links[0].ip, '10.0.0.1/24')
  assert.deepEqual(links[0].origin, { file: f, path: 'x-network.links[0]' })
})

test('errors in combined links point at the file that set the key', async () => {
  const f = writeTemp('k1.yaml', 'links: [{service: n, bridge: s1}]\n')
  const g = writeTemp('k2.yaml', 'links: [{service: n, mac: "00:11"}]\n')
  await assert.rejects(loadNetworkConfig({ networkFiles: [f, g], env: {}, probe: () => false }), (e: Error & { describe(): string }) => {
    assert.match(e.describe(), new RegExp(`^${g.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: links\\[0\\]\\.mac: invalid MAC address`))
    return true
  })
})

const piece = (file: string, links: unknown[]) => ({ file, prefix: '', doc: { links } })

test('same link in several places: lists concatenate in merge order (list + list)', () => {
  const m = mergeIdentities(
    mergePieces([
      piece('a', [{ service: 'n', bridge: 's1', route: ['10.1.0.0/16 via 10.0.0.1'], forward: ['80:80/tcp'] }]),
      piece('b', [{ service: 'n', route: ['10.2.0.0/16 via 10.0.0.1'], forward: ['81:80/tcp'], ethtool: ['-K rx off'] }]),
    ]),
  )
  assert.equal(m.links.length, 1)
  assert.deepEqual(m.links[0].value, {
    service: 'n', bridge: 's1', route: ['10.1.0.0/16 via 10.0.0.1', '10.2.0.0/16 via 10.0.0.1'], forward: ['80:80/tcp', '81:80/tcp'], ethtool: ['-K rx off'],
  })
})

test('same link in several places: a string meeting a list is a one-element list; two strings: later wins', () => {
  const m = mergeIdentities(
    mergePieces([
      piece('a', [{ service: 'n', bridge: 's1', route: 'default via 10.0.0.1', netem: 'delay 5ms', ethtool: ['-K rx off'] }]),
      piece('b', [{ service: 'n', route: ['10.2.0.0/16 via 10.0.0.2'], netem: 'delay 9ms', ethtool: '-K tso off' }]),
    ]),
  )
  const v = m.links[0].value as Record<string, unknown>
  assert.deepEqual(v.route, ['default via 10.0.0.1', '10.2.0.0/16 via 10.0.0.2'])
  assert.deepEqual(v.ethtool, ['-K rx off', '-K tso off'])
  assert.equal(v.netem, 'delay 9ms') // not split into characters, not concatenated
})

test('same link in three sources: lists in merge order, scalars last-wins, list elements keep their origins', async () => {
  const c = writeTemp(
    'three-compose.yaml',
    `x-network:
  links:
    - {service: node, bridge: s1, mtu: 1000, route: "10.1.0.0/16 via 10.0.0.1"}
services:
  node:
    x-network:
      links:
        - {bridge: s1, mtu: 2000, route: ["10.2.0.0/16 via 10.0.0.1"], netem: ["delay 1ms"]}
`,
  )
  const n = writeTemp('three-net.yaml', 'links:\n  - {service: node, ip: 10.0.0.5/24, route: ["10.3.0.0/16 via 10.0.0.1", "bad route;"], netem: "rate 1mbit"}\n')
  const merged = mergeIdentities(mergePieces([
    { file: c, prefix: 'x-network.', doc: { links: [{ service: 'node', bridge: 's1', mtu: 1000, route: '10.1.0.0/16 via 10.0.0.1' }] } },
    { file: c, prefix: 'services.node.x-network.', doc: { links: [{ service: 'node', bridge: 's1', mtu: 2000, route: ['10.2.0.0/16 via 10.0.0.1'], netem: ['delay 1ms'] }] } },
    { file: n, prefix: '', doc: { links: [{ service: 'node', ip: '10.0.0.5/24', route: ['10.3.0.0/16 via 10.0.0.1'], netem: 'rate 1mbit' }] } },
  ]))
  const v = merged.links[0].value as Record<string, unknown>
  assert.deepEqual(v.route, ['10.1.0.0/16 via 10.0.0.1', '10.2.0.0/16 via 10.0.0.1', '10.3.0.0/16 via 10.0.0.1'])
  assert.deepEqual(v.netem, ['delay 1ms', 'rate 1mbit'])
  assert.equal(v.mtu, 2000)
  assert.deepEqual(merged.links[0].itemOrigins!.route.map((o) => o.path), [
    'x-network.links[0].route', 'services.node.x-network.links[0].route[0]', 'links[0].route[0]',
  ])
  // the same through the loader, and an error in the fourth route names the network file
  await assert.rejects(loadNetworkConfig({ composeFiles: [c], networkFiles: [n], env: {}, probe: () => false }), (e: Error & { describe(): string }) => {
    assert.match(e.describe(), new RegExp(`${n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: links\\[0\\]\\.route\\[1\\]`))
    return true
  })
  const good = writeTemp('three-net-ok.yaml', 'links:\n  - {service: node, ip: 10.0.0.5/24, route: ["10.3.0.0/16 via 10.0.0.1"]}\n')
  const { config } = await loadNetworkConfig({ composeFiles: [c], networkFiles: [good], env: {}, probe: () => false })
  assert.deepEqual(config.services.node.links[0].route, ['10.1.0.0/16 via 10.0.0.1', '10.2.0.0/16 via 10.0.0.1', '10.3.0.0/16 via 10.0.0.1'])
  assert.equal(config.services.node.links[0].mtu, 2000)
})
