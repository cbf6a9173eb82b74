import { test } from 'node:test'
import assert from 'node:assert/strict'
import { deepMerge, mergePieces, mergeIdentities, linkIdentity } from '../../src/config/merge.js'
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
  assert.equal(linkIdentity({ service: 'n' }), 'service n:eth0')
  assert.equal(linkIdentity({ container: 'n', dev: 'e1' }), 'container n:e1')
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
