// IPv6 and dual-stack links: address parsing, replica offsets, validation,
// config output, planned ops (nodad, ip6tables, forwards) and net2dot labels.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  addressList, canonicalAddress, cidrProblem, formatIPv6, ipFamily, ipv6Value, isCidr, isIPv6, linkLocalFromMac, offsetIPv6, routeFamilies,
} from '../../src/config/address.js'
import { instantiateLink, offsetIp } from '../../src/config/replica.js'
import type { ContainerInfo, LinkInstance, LinkSpec } from '../../src/config/types.js'
import { ConlinkError } from '../../src/errors.js'
import { FEATURES, type Capabilities } from '../../src/net/capabilities.js'
import { forwardPaths } from '../../src/net/forward.js'
import { describeOp, planLinkAdd, planLinkDelete, type NetContext } from '../../src/net/index.js'
import { soloArgv, type Op } from '../../src/net/ops.js'
import { configureFailureHint } from '../../src/net/links/kind.js'
import { networkToDot } from '../../src/graph/dot.js'
import { checkForwardFamilies } from '../../src/engine/up.js'
import { loadNet, rejectsWith } from './config-helpers.js'

test('IPv6 parsing: full, compressed, dotted tail; rejects the malformed', () => {
  for (const ok of ['::', '::1', '2001:db8::1', '2001:DB8:0:0:0:0:0:1', 'fe80::1:2', '1:2:3:4:5:6:7:8', '::ffff:10.0.0.1', '1:2:3:4:5:6:1.2.3.4', '1::', '::1.2.3.4'])
    assert.ok(isIPv6(ok), ok)
  for (const bad of ['', ':', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '12345::', 'g::1', '2001:db8::1%eth0', '::1.2.3', '1:2:3:4:5:6:7:1.2.3.4', '10.0.0.1', ' ::1', '::1/64'])
    assert.ok(!isIPv6(bad), bad)
  assert.equal(ipFamily('10.0.0.1'), 4)
  assert.equal(ipFamily('2001:db8::1'), 6)
  assert.equal(ipFamily('x'), undefined)
})

test('IPv6 text is canonical (RFC 5952, as ip prints it)', () => {
  const c = (s: string) => formatIPv6(ipv6Value(s)!)
  assert.equal(c('2001:0DB8:0000:0000:0000:0000:0000:0001'), '2001:db8::1')
  assert.equal(c('2001:db8:0:1:0:0:0:1'), '2001:db8:0:1::1', 'the longest zero run')
  assert.equal(c('2001:0:0:1:0:0:0:1'), '2001:0:0:1::1')
  assert.equal(c('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1', 'a single zero is not compressed')
  assert.equal(c('0:0:0:0:0:0:0:0'), '::')
  assert.equal(c('::ffff:a00:1'), '::ffff:10.0.0.1')
  // what ip 6.1 on glibc 2.36 printed for these (`ip -6 -o addr show` in a namespace)
  assert.equal(c('::1.2.3.4'), '::1.2.3.4')
  assert.equal(c('::2'), '::2', 'zeros up to the last hextet: not dotted')
  assert.equal(c('::0.0.1.2'), '::102')
  assert.equal(c('::ffff'), '::ffff')
  assert.equal(canonicalAddress('2001:DB8::0:1/64'), '2001:db8::1/64')
  assert.equal(canonicalAddress('10.0.0.1/24'), '10.0.0.1/24')
})

test('CIDR: IPv4 prefix 0-32, IPv6 prefix 0-128, with reasons', () => {
  assert.ok(isCidr('2001:db8::1/64') && isCidr('::/0') && isCidr('::1/128') && isCidr('10.0.0.1/32'))
  assert.ok(!isCidr('2001:db8::1/129') && !isCidr('10.0.0.1/33') && !isCidr('2001:db8::1') && !isCidr('2001:db8::1/64/1') && !isCidr('2001:db8::1/0x10'))
  assert.deepEqual(cidrProblem('2001:db8::1/129'), { what: 'has prefix /129, over 128 for IPv6', hint: 'use a prefix of 0-128, e.g. 2001:db8::1/64' })
  assert.deepEqual(cidrProblem('10.0.0.1/40'), { what: 'has prefix /40, over 32 for IPv4', hint: 'use a prefix of 0-32, e.g. 10.0.0.1/24' })
  assert.equal(cidrProblem('2001:db8::1')?.hint, 'write e.g. 2001:db8::1/64')
  assert.equal(cidrProblem('nonsense/64'), undefined)
  assert.equal(cidrProblem('2001:db8::1/64'), undefined)
})

test('offsetIPv6 adds to the interface identifier, canonical, overflow is a clear error', () => {
  assert.deepEqual([0, 1, 2].map((n) => offsetIPv6('2001:db8:1::1/64', n)), ['2001:db8:1::1/64', '2001:db8:1::2/64', '2001:db8:1::3/64'])
  assert.equal(offsetIPv6('2001:db8:1::ffff/64', 1), '2001:db8:1::1:0/64', 'carries across hextets')
  assert.equal(offsetIPv6('2001:DB8:1:0::9/64', 0), '2001:db8:1::9/64')
  assert.equal(offsetIp('2001:db8::a/64', 5), '2001:db8::f/64', 'offsetIp dispatches on the family')
  assert.equal(offsetIPv6('2001:db8::fffe/112', 1), '2001:db8::ffff/112')
  assert.throws(() => offsetIPv6('2001:db8::ffff/112', 1), (e: ConlinkError) => {
    assert.match(e.message, /2001:db8::ffff\/112 \+ 1 leaves its \/112 prefix \(room for 0 more after it\)/)
    assert.match(e.hint!, /fewer replicas/)
    return true
  })
  assert.throws(() => offsetIPv6('2001:db8:1:2:ffff:ffff:ffff:ffff/64', 1), /leaves its \/64 prefix/)
  assert.throws(() => offsetIPv6('2001:db8::1/128', 1), (e: ConlinkError) => /\/128 cannot be given to replicas/.test(e.hint!))
  assert.equal(offsetIPv6('2001:db8::1/128', 0), '2001:db8::1/128')
})

const node = (over: Partial<LinkSpec> = {}): LinkSpec => ({
  type: 'veth', service: 'node', dev: 'eth0', bridge: 's1', mtu: 65535, route: [], netem: [], forward: [], ethtool: [], base: 'conlink',
  origin: { file: 'net.yaml', path: 'links[3]' }, ...over,
})
const replica = (index: number): ContainerInfo => ({ id: `${index}`.repeat(64), name: `p_node_${index}`, pid: 100 + index, project: 'p', service: 'node', index })

test('replicas: every address of a list is offset; MACs and IPv6 addresses stay unique', () => {
  const spec = node({ ip: ['10.0.1.1/24', '2001:db8:1::1/64'], mac: '00:0a:0b:0c:0d:01' })
  const three = [1, 2, 3].map((i) => instantiateLink(spec, replica(i)))
  assert.deepEqual(three.map((i) => i.ip), [
    ['10.0.1.1/24', '2001:db8:1::1/64'],
    ['10.0.1.2/24', '2001:db8:1::2/64'],
    ['10.0.1.3/24', '2001:db8:1::3/64'],
  ])
  assert.deepEqual(three.map((i) => i.mac), ['00:0a:0b:0c:0d:01', '00:0a:0b:0c:0d:02', '00:0a:0b:0c:0d:03'])
  const generated = [1, 2, 3].map((i) => instantiateLink(node({ ip: '2001:db8:1::1/64' }), replica(i)))
  assert.equal(new Set(generated.map((i) => i.mac)).size, 3)
  assert.equal(new Set(generated.map((i) => i.ip)).size, 3)
  assert.equal(instantiateLink(node({ ip: '2001:DB8::0:5/64' }), replica(1)).ip, '2001:db8::5/64', 'a single address stays a string, canonical')
})

test('replicas: an IPv6 offset overflow names file and path', () => {
  assert.throws(() => instantiateLink(node({ ip: ['10.0.1.1/24', '2001:db8::1/127'] }), replica(3)), (e: ConlinkError) => {
    assert.equal(e.describe().split(': ').slice(0, 2).join(': '), 'net.yaml: links[3].ip')
    assert.match(e.message, /2001:db8::1\/127 \+ 2 leaves its \/127 prefix/)
    return true
  })
})

test('routeFamilies: destination and gateway families', () => {
  assert.deepEqual(routeFamilies(['default', 'via', '2001:db8::1']), { dst: 'default', dstFamily: undefined, via: '2001:db8::1', viaFamily: 6 })
  assert.deepEqual(routeFamilies(['2001:db8:9::/48', 'via', 'fe80::1']), { dst: '2001:db8:9::/48', dstFamily: 6, via: 'fe80::1', viaFamily: 6 })
  assert.deepEqual(routeFamilies(['unreachable', '10.0.0.0/8']), { dst: '10.0.0.0/8', dstFamily: 4, via: undefined, viaFamily: undefined })
  assert.equal(routeFamilies(['10.0.0.0/8', 'via', 'inet6', 'fe80::1']).viaWithFamily, true)
})

test('valid: dual-stack ip list, IPv6 routes, IPv6 nat and an IPv6 tunnel remote; config keeps the list', async () => {
  const { result } = loadNet(`links:
  - service: a
    bridge: s1
    ip: [10.0.1.1/24, "2001:db8:1::1/64"]
    route: [default via 10.0.1.254, default via 2001:db8:1::fe, "2001:db8:9::/48 via fe80::1", 10.9.0.0/16 via inet6 fe80::1]
    nat: "2001:db8:99::1"
  - {service: b, bridge: s1, ip: "fd00::2/64", nat: "fd00:99::2"}
  - {service: c, bridge: s1, route: default via 2001:db8::1}
tunnels:
  - {type: vxlan, bridge: s1, remote: "2001:db8:ff::2", vni: 7}
`, { defaultBridgeMode: 'linux' })
  const { config } = await result
  assert.deepEqual(config.services.a.links[0].ip, ['10.0.1.1/24', '2001:db8:1::1/64'])
  assert.equal(config.services.b.links[0].ip, 'fd00::2/64')
  assert.equal(config.tunnels[0].remote, '2001:db8:ff::2')
})

/** Bad input: body, the file path the error must name, and text of the message and fix. */
const BAD: [string, string, string, ...string[]][] = [
  ['an IPv6 prefix over 128', 'links:\n  - {service: a, bridge: s1, ip: [10.0.0.1/24, "2001:db8::1/129"]}\n', 'links[0].ip[1]', 'IP address "2001:db8::1/129" has prefix /129, over 128 for IPv6', 'use a prefix of 0-128'],
  ['an IPv6 address without prefix', 'links:\n  - {service: a, bridge: s1, ip: "2001:db8::1"}\n', 'links[0].ip', 'has no prefix length', 'write e.g. 2001:db8::1/64'],
  ['a malformed IPv6 address', 'links:\n  - {service: a, bridge: s1, ip: "2001:db8:::1/64"}\n', 'links[0].ip', 'invalid IP address with prefix "2001:db8:::1/64"', 'IPv6 e.g. 2001:db8::1/64'],
  ['an empty ip list', 'links:\n  - {service: a, bridge: s1, ip: []}\n', 'links[0].ip', 'must not be empty'],
  ['an IPv4 gateway on an IPv6 route', 'links:\n  - {service: a, bridge: s1, ip: [10.0.0.1/24, "2001:db8::1/64"], route: [default via 10.0.0.254, "2001:db8:9::/48 via 10.0.0.254"]}\n', 'links[0].route[1]', 'has an IPv4 gateway for an IPv6 destination', 'use an IPv6 gateway'],
  ['an IPv6 default route on an IPv4-only link', 'links:\n  - {service: a, bridge: s1, ip: 10.0.0.1/24, route: "default via 2001:db8::1"}\n', 'links[0].route', 'has an IPv6 gateway, but the link has no IPv6 address', 'add an IPv6 address to ip'],
  ['a mixed-family nat', 'links:\n  - {service: a, bridge: s1, ip: 10.0.0.1/24, nat: "2001:db8::5"}\n', 'links[0].nat', 'nat 2001:db8::5 is IPv6, but the link\'s ip has only IPv4 addresses', 'add an IPv6 address to ip, or use an IPv4 nat address'],
  ['a nat with a prefix', 'links:\n  - {service: a, bridge: s1, ip: "2001:db8::1/64", nat: "2001:db8::5/64"}\n', 'links[0].nat', 'invalid IP address "2001:db8::5/64"'],
  ['the same address twice', 'links:\n  - {service: a, bridge: s1, ip: ["2001:db8::1/64", "2001:DB8::0:1/64"]}\n', 'links[0].ip[1]', 'listed twice (also ip[0])'],
  ['a tunnel remote with a zone', 'tunnels:\n  - {type: vxlan, bridge: s1, remote: "fe80::1%eth0", vni: 5}\n', 'tunnels[0].remote', 'invalid IP address "fe80::1%eth0"'],
]

for (const [name, body, path, ...messages] of BAD) {
  test(`rejects ${name}`, async () => {
    const { file, result } = loadNet(body, { defaultBridgeMode: 'linux' })
    await rejectsWith(result, `${file}: ${path}: `, ...messages)
  })
}

const all = Object.fromEntries(FEATURES.map((f) => [f, true])) as Capabilities
const ctx = (over: Partial<NetContext> = {}): NetContext => ({ conlinkPid: 77, capabilities: all, bridges: { s1: { bridge: 's1', mode: 'linux', 'resolved-mode': 'linux' } }, ...over })
function inst(link: Partial<LinkSpec>): LinkInstance {
  const spec = node({ ...link, service: 'node' })
  return { link: spec, container: replica(1), dev: spec.dev, outerEnd: 'node_1-eth0', ip: spec.ip, mac: spec.mac, mtu: undefined, forward: spec.forward }
}
const lines = (ops: Op[]) => ops.map(describeOp)

test('plan: IPv6 addresses get nodad, IPv6 routes pass through, IPv6 nat uses ip6tables', () => {
  const i = inst({ ip: ['10.0.1.1/24', '2001:db8:1::1/64'], route: ['default via 2001:db8:1::fe'], nat: '2001:db8:99::1' })
  const ops = planLinkAdd(ctx(), i).configure
  assert.deepEqual(lines(ops).filter((l) => /addr add|route add|tables/.test(l)), [
    '[pid 101] ip addr add 10.0.1.1/24 dev eth0',
    '[pid 101] ip addr add 2001:db8:1::1/64 dev eth0 nodad',
    '[pid 101] ip route add default via 2001:db8:1::fe dev eth0',
    '[pid 101] ip6tables -w -t nat -A PREROUTING -i eth0 -j DNAT --to-destination 2001:db8:99::1',
    '[pid 101] ip6tables -w -t nat -A POSTROUTING -o eth0 -j SNAT --to-source 2001:db8:1::1',
  ])
  assert.equal(ops.find((o) => o.kind === 'ip6tables')!.undo![0].kind, 'ip6tables')
  assert.ok(!lines(ops).some((l) => l.includes('addrgenmode')), 'no MAC known: the kernel makes the link-local address')
  assert.deepEqual(lines(planLinkDelete(ctx(), i)).filter((l) => /tables/.test(l)), [
    '[pid 101] ip6tables -w -t nat -D PREROUTING -i eth0 -j DNAT --to-destination 2001:db8:99::1',
    '[pid 101] ip6tables -w -t nat -D POSTROUTING -o eth0 -j SNAT --to-source 2001:db8:1::1',
  ])
  assert.deepEqual(soloArgv({ ns: 1, kind: 'ip6tables', table: 'nat', args: ['-A', 'X'], owner: 'o' }), ['ip6tables', '-w', '-t', 'nat', '-A', 'X'])
})

const fwd = { forward: [{ 'conlink-port': 1080, port: 80, proto: 'tcp' as const }] }

test('plan: with IPv6 and a MAC, conlink makes the link-local address (EUI-64, nodad) before the link goes up', () => {
  assert.equal(linkLocalFromMac('c2:00:00:00:01:01'), 'fe80::c000:ff:fe00:101')
  assert.equal(linkLocalFromMac('00:0a:0b:0c:0d:01'), 'fe80::20a:bff:fe0c:d01')
  const v6 = lines(planLinkAdd(ctx(), { ...inst({ ip: 'fd00::1/64' }), mac: 'c2:00:00:00:01:01' }).configure)
  assert.deepEqual(v6.slice(0, 4), [
    '[pid 101] ip link set dev eth0 addrgenmode none',
    '[pid 101] ip addr add fe80::c000:ff:fe00:101/64 dev eth0 nodad',
    '[pid 101] ip addr add fd00::1/64 dev eth0 nodad',
    '[pid 101] ip link set dev eth0 up',
  ])
  const v4 = lines(planLinkAdd(ctx(), { ...inst({ ip: '10.0.0.1/24' }), mac: 'c2:00:00:00:01:01' }).configure)
  assert.ok(!v4.some((l) => /addrgenmode|fe80/.test(l)), 'IPv4-only links are left as they were')
  const off = 'Error: ipv6: IPv6 is disabled on this device.'
  const op = (ns: Op['ns']): Op => ({ ns, kind: 'ip', args: [], owner: 'o' })
  assert.match(configureFailureHint(op(101), off)!, /in the container .*give the service sysctls net\.ipv6\.conf\.all\.disable_ipv6: 0 and net\.ipv6\.conf\.default\.disable_ipv6: 0/)
  assert.match(configureFailureHint(op('conlink'), off)!, /in the network container.*give the network service sysctls/)
  assert.equal(configureFailureHint(op(101), 'File exists'), undefined)
})

test('plan: forwards per family; IPv6 when DOCKER-ETH0 has an IPv6 address', () => {
  const i = inst({ ip: ['10.0.7.1/24', 'fd00:7::1/64'], ...fwd })
  const both = lines(planLinkAdd(ctx({ dockerEth0: { ip: '172.30.0.2/24', ip6: 'fd00:30::2/64' } }), i).configure)
  assert.ok(both.includes('[network] ip route replace fd00:7::1/128 dev s1'))
  assert.ok(both.includes('[network] ip6tables -w -t nat -A PREROUTING -i DOCKER-ETH0 -p tcp -m tcp --dport 1080 -j DNAT --to-destination [fd00:7::1]:80'))
  assert.ok(both.includes('[network] ip addr replace fe80::636c:1/64 dev s1 nodad'), 'the bridge gets the link-local forward source')
  assert.ok(both.includes('[network] ip6tables -w -t nat -A POSTROUTING -o s1 -m mark --mark 0x636c/0xffff -d fd00:7::1/128 -p tcp -m tcp --dport 80 -j SNAT --to-source fe80::636c:1'))
  assert.ok(both.includes('[pid 101] ip route replace 172.30.0.2/32 dev eth0'))
  assert.ok(!both.some((l) => l.includes('fd00:30::2')), 'IPv6 replies go to the link-local source: no route to DOCKER-ETH0')
  assert.ok(both.includes('[network] iptables -w -t nat -A PREROUTING -i DOCKER-ETH0 -p tcp -m tcp --dport 1080 -j DNAT --to-destination 10.0.7.1:80'))
  const v4only = lines(planLinkAdd(ctx({ dockerEth0: { ip: '172.30.0.2/24' } }), i).configure)
  assert.ok(!v4only.some((l) => l.includes('ip6tables') || /route replace fd00/.test(l)), 'IPv4-only without an IPv6 DOCKER-ETH0')
  assert.deepEqual(forwardPaths(i, ctx({ dockerEth0: { ip6: 'fd00:30::2/64' } })).map((p) => p.family), [6])
})

test('plan: an IPv6-only forward without IPv6 on the engine network says it is IPv4-only there', () => {
  const i = inst({ ip: 'fd00:7::1/64', ...fwd })
  assert.throws(() => planLinkAdd(ctx({ dockerEth0: { ip: '172.30.0.2/24' } }), i), (e: ConlinkError) => {
    assert.match(e.message, /forward is IPv4-only here/)
    assert.match(e.hint!, /enable_ipv6/)
    assert.equal(e.place.path, 'links[3].forward')
    return true
  })
})

test('net2dot labels show every address of a link', () => {
  const dot = networkToDot({
    bridges: { s1: { bridge: 's1', mode: 'linux', 'resolved-mode': 'linux' } },
    // @ts-expect-error no port: the JSON of a conlink config from before tunnel ports (drawn without one)
    tunnels: [{ type: 'vxlan', bridge: 's1', remote: '2001:db8:ff::2', vni: 7, netem: [], 'outer-dev': 'vxlan-7', origin: { file: 'f', path: 'tunnels[0]' } }],
    services: { h1: { links: [node({ service: 'h1', ip: ['192.168.1.100/24', '2001:db8:1::100/64'] })], commands: [] } },
    containers: {},
  })
  assert.ok(dot.includes('[label="eth0\\n192.168.1.100/24\\n2001:db8:1::100/64"'), dot)
  assert.ok(dot.includes('label="remote host\\n2001:db8:ff::2"'))
  assert.deepEqual(addressList(undefined), [])
})

test('start-up: forwards on an IPv4-only engine network are IPv4-only (a warning), an IPv6-only link is refused', async () => {
  const { log } = await import('../../src/log.js')
  const warned: string[] = []
  const original = log.warn
  log.warn = (m: string) => void warned.push(m)
  try {
    const dual = node({ ip: ['10.0.7.1/24', 'fd00:7::1/64'], ...fwd })
    checkForwardFamilies([dual], { ip: '172.30.0.2/24' })
    assert.match(warned.join('\n'), /forward is IPv4-only here: .*IPv6 addresses of service node:eth0 are not forwarded/)
    warned.length = 0
    checkForwardFamilies([dual], { ip: '172.30.0.2/24', ip6: 'fd00:30::2/64' })
    assert.deepEqual(warned, [])
    assert.throws(() => checkForwardFamilies([node({ ip: 'fd00:7::1/64', ...fwd })], { ip: '172.30.0.2/24' }), (e: ConlinkError) => {
      assert.equal(e.describe().split(': ').slice(0, 2).join(': '), 'net.yaml: links[3].forward')
      assert.match(e.message, /forward is IPv4-only here/)
      assert.match(e.hint!, /enable_ipv6: true/)
      return true
    })
    assert.throws(() => checkForwardFamilies([node({ ip: '10.0.7.1/24', ...fwd })], { ip6: 'fd00:30::2/64' }), /has only IPv6/)
  } finally {
    log.warn = original
  }
})
