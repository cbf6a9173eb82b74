import { test } from 'node:test'
import assert from 'node:assert/strict'
import { offsetIp, offsetMac, stableMac, outerDevName, instantiateLink, checkOuterNames } from '../../src/config/replica.js'
import { loadNet, rejectsWith } from './config-helpers.js'
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
  assert.match(outerDevName(link({ service: 'averylongservice', dev: 'ext-intf' }), container())!, /^c01234567-[0-9a-f]{5}$/)
  assert.equal(outerDevName(link({ type: 'dummy' }), container()), undefined)
})

test('instantiateLink: offsets index-1 for service links', () => {
  const l = link({ ip: '10.0.1.1/16', mac: '00:0a:0b:0c:0d:01', mtu: 4111, forward: [{ 'conlink-port': 80, port: 80, proto: 'tcp' }] })
  const i2 = instantiateLink(l, container({ index: 2, name: 'proj_node_2' }))
  assert.equal(i2.ip, '10.0.1.2/16')
  assert.equal(i2.mac, '00:0a:0b:0c:0d:02')
  assert.deepEqual(i2.forward, [{ 'conlink-port': 81, port: 80, proto: 'tcp' }])
  assert.equal(i2.outerEnd, 'node_2-eth0')
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
  assert.equal(instantiateLink(link({ type: 'dummy' }), container()).outerEnd, undefined)
  assert.throws(() => instantiateLink(link({ forward: [{ 'conlink-port': 65535, port: 80, proto: 'tcp' }] }), container({ index: 2 })), /beyond 65535/)
})

test('outer names (issue 12): long devs of one container stay distinct', () => {
  const names = ['ethernet1', 'ethernet2', 'ethernet10', 'eth0'].map((dev) => outerDevName(link({ service: 'averylongservice', dev }), container()))
  assert.equal(new Set(names).size, 4, names.join(' '))
  for (const n of names) assert.ok(n!.length <= 15, n)
})

test('outer names: collisions the config makes unavoidable are reported at config time, naming both links', async () => {
  const both = (text: string, ...more: (string | RegExp)[]) => rejectsWith(loadNet(text).result, ...more)
  await both('links:\n  - {service: a, dev: b, bridge: s1}\n  - {container: a_1, dev: b, bridge: s1}\n', /links\[0\]: outer interface name a_1-b of this link for one of its replicas is the name of .*links\[1\]/)
  await both('links:\n  - {container: x, bridge: s1, outer-dev: out0}\n  - {container: y, bridge: s1, outer-dev: out0}\n', /links\[1\]: outer interface name out0 of this link is also the name of .*links\[0\]/)
  await both('links:\n  - {container: x, dev: y-z, bridge: s1}\n  - {container: x-y, dev: z, bridge: s1}\n', 'x-y-z', 'links[0]')
  // macvlan-style links name their host parent: sharing one is fine
  const ok = checkOuterNames([link({ type: 'macvlan', 'outer-dev': 'eth0', base: 'host' }), link({ type: 'macvlan', service: 'o', 'outer-dev': 'eth0', base: 'host' })])
  assert.deepEqual(ok, [])
})

test('outer names: an explicit outer-dev on a scaled service is an error for replica 2, naming the link', () => {
  assert.equal(instantiateLink(link({ 'outer-dev': 'fixed0' }), container()).outerEnd, 'fixed0')
  assert.throws(() => instantiateLink(link({ 'outer-dev': 'fixed0' }), container({ index: 2 })), (e: any) => /outer-dev fixed0 is a fixed name, but service node has a replica 2/.test(e.message) && e.place.path === 'links[0]')
})

test('instantiateLink: a host link has a parent (its outer-dev) and no outer end; a veth the reverse; a dummy neither', () => {
  const vlan = instantiateLink(link({ type: 'vlan', base: 'host', 'outer-dev': 'eth0', dev: 'v5', vlanid: 5 }), container())
  assert.equal(vlan.parent, 'eth0')
  assert.equal(vlan.outerEnd, undefined)
  const veth = instantiateLink(link({ 'outer-dev': 'x-eth0' }), container())
  assert.equal(veth.parent, undefined)
  assert.equal(veth.outerEnd, 'x-eth0')
  const dummy = instantiateLink(link({ type: 'dummy', base: 'local', dev: 'd0' }), container())
  assert.deepEqual([dummy.parent, dummy.outerEnd], [undefined, undefined])
})
