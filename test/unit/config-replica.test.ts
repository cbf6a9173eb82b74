import { test } from 'node:test'
import assert from 'node:assert/strict'
import { offsetIp, offsetMac, stableMac, outerDevName, instantiateLink } from '../../src/config/replica.js'
import type { ContainerInfo, LinkSpec } from '../../src/config/types.js'

const link = (over: Partial<LinkSpec> = {}): LinkSpec => ({
  type: 'veth', service: 'node', dev: 'eth0', bridge: 's1', mtu: 65535, route: [], netem: [], forward: [], ethtool: [], base: 'conlink',
  origin: { file: 'f', path: 'links[0]' }, ...over,
})
const container = (over: Partial<ContainerInfo> = {}): ContainerInfo => ({ id: '0123456789abcdef'.repeat(4), name: 'proj_node_1', pid: 42, project: 'proj', service: 'node', index: 1, ...over })

test('offsetIp: T2 replicas, octet carry, prefix kept, overflow', () => {
  assert.deepEqual([0, 1, 2, 3, 4].map((n) => offsetIp('10.0.1.1/16', n)), ['10.0.1.1/16', '10.0.1.2/16', '10.0.1.3/16', '10.0.1.4/16', '10.0.1.5/16'])
  assert.equal(offsetIp('10.0.0.255/16', 1), '10.0.1.0/16')
  assert.equal(offsetIp('10.255.255.255/8', 1), '11.0.0.0/8')
  assert.equal(offsetIp('10.0.0.1', 2), '10.0.0.3')
  assert.equal(offsetIp('255.255.255.254/24', 1), '255.255.255.255/24')
  assert.throws(() => offsetIp('255.255.255.255/24', 1), /beyond 255\.255\.255\.255/)
})

test('offsetMac: 48-bit carry, overflow', () => {
  assert.equal(offsetMac('00:0a:0b:0c:0d:01', 1), '00:0a:0b:0c:0d:02')
  assert.equal(offsetMac('00:0A:0B:0C:0D:FF', 1), '00:0a:0b:0c:0e:00')
  assert.equal(offsetMac('00:ff:ff:ff:ff:ff', 1), '01:00:00:00:00:00')
  assert.equal(offsetMac('00:0a:0b:0c:0d:01', 0), '00:0a:0b:0c:0d:01')
  assert.throws(() => offsetMac('ff:ff:ff:ff:ff:ff', 1), /beyond/)
})

// Pinned reference values: generated MACs must never change between versions
// (peers' ARP caches and DHCP reservations depend on them).
test('stableMac: pinned values, c2 first octet, differs by seed', () => {
  assert.equal(stableMac('proj/node/eth0/1'), 'c2:d1:79:12:a7:54')
  assert.equal(stableMac('proj/node/eth0/2'), 'c2:f6:67:e1:4f:2c')
  assert.equal(stableMac('/box/eth0/1'), 'c2:9a:cc:df:b4:c5')
})

test('outerDevName: service, container, explicit, >15 chars, dummy', () => {
  assert.equal(outerDevName(link(), container()), 'node_1-eth0')
  assert.equal(outerDevName(link(), container({ index: 12 })), 'node_12-eth0')
  assert.equal(outerDevName(link({ service: undefined, container: 'box' }), container({ name: 'box' })), 'box-eth0')
  assert.equal(outerDevName(link({ 'outer-dev': 'custom0' }), container()), 'custom0')
  assert.equal(outerDevName(link({ service: 'averylongservice' }), container()), 'c01234567-eth0')
  assert.equal(outerDevName(link({ service: 'averylongservice', dev: 'ext-intf' }), container()), 'c01234567-ext-i')
  assert.equal(outerDevName(link({ type: 'dummy' }), container()), undefined)
})

test('instantiateLink: offsets index-1 for service links', () => {
  const l = link({ ip: '10.0.1.1/16', mac: '00:0a:0b:0c:0d:01', mtu: 4111, forward: [{ 'conlink-port': 80, port: 80, proto: 'tcp' }] })
  const i2 = instantiateLink(l, container({ index: 2, name: 'proj_node_2' }))
  assert.equal(i2.ip, '10.0.1.2/16')
  assert.equal(i2.mac, '00:0a:0b:0c:0d:02')
  assert.deepEqual(i2.forward, [{ 'conlink-port': 81, port: 80, proto: 'tcp' }])
  assert.equal(i2.outerDev, 'node_2-eth0')
  assert.equal(i2.mtu, 4111)
  assert.equal(i2.dev, 'eth0')
  assert.equal(i2.link, l)
  assert.deepEqual(l.forward[0]['conlink-port'], 80, 'the spec is not modified')
})

test('instantiateLink: generated MAC is stable per project/service/dev/index', () => {
  const l = link()
  const a = instantiateLink(l, container({ index: 3 }))
  assert.equal(a.mac, 'c2:68:48:86:87:12')
  assert.equal(instantiateLink(l, container({ index: 3, id: 'f'.repeat(64), pid: 7 })).mac, a.mac, 'same after restart')
  assert.notEqual(instantiateLink(l, container({ index: 4 })).mac, a.mac)
  const c = instantiateLink(link({ service: undefined, container: 'box' }), container({ name: 'box', project: undefined, index: 1 }))
  assert.equal(c.mac, 'c2:9a:cc:df:b4:c5')
})

test('instantiateLink: container links get no offset; ipvlan gets no MAC; dummy no outer dev', () => {
  const c = instantiateLink(link({ service: undefined, container: 'p_n_2', ip: '10.0.0.1/24' }), container({ name: 'p_n_2', index: 2 }))
  assert.equal(c.ip, '10.0.0.1/24')
  assert.equal(instantiateLink(link({ type: 'ipvlan', 'outer-dev': 'eth0' }), container()).mac, undefined)
  assert.equal(instantiateLink(link({ type: 'dummy' }), container()).outerDev, undefined)
  assert.throws(() => instantiateLink(link({ forward: [{ 'conlink-port': 65535, port: 80, proto: 'tcp' }] }), container({ index: 2 })), /beyond 65535/)
})
