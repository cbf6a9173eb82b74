// The planners: exact argv / batch lines, without root or a kernel.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ContainerInfo, LinkInstance, LinkSpec, TunnelSpec } from '../../src/config/types.js'
import type { Capabilities } from '../../src/net/capabilities.js'
import { FEATURES } from '../../src/net/capabilities.js'
import { planBridgeCreate, planBridgeDelete } from '../../src/net/bridges.js'
import { parseBatchErrors, inNs } from '../../src/net/executor.js'
import { describeOp, planLinkAdd, planLinkDelete, requireLinkFeatures, type NetContext } from '../../src/net/index.js'
import { planTunnelAdd } from '../../src/net/links/tunnel.js'
import { batchSafe, type Op } from '../../src/net/ops.js'
import { joinPatch, leavePatch } from '../../src/net/patch.js'
import { routeWords } from '../../src/net/forward.js'

const all = Object.fromEntries(FEATURES.map((f) => [f, true])) as Capabilities
const node: ContainerInfo = { id: 'abc', name: 'node_1', pid: 4242, index: 1 }
const ctx = (over: Partial<NetContext> = {}): NetContext => ({
  conlinkPid: 77,
  capabilities: all,
  bridges: {
    s1: { bridge: 's1', mode: 'linux', 'resolved-mode': 'linux' },
    o1: { bridge: 'o1', mode: 'ovs', 'resolved-mode': 'ovs' },
    p1: { bridge: 'p1', mode: 'patch', 'resolved-mode': 'patch' },
  },
  ...over,
})
function inst(link: Partial<LinkSpec>, over: Partial<LinkInstance> = {}): LinkInstance {
  const spec: LinkSpec = { type: 'veth', dev: 'eth0', route: [], netem: [], forward: [], ethtool: [], base: 'conlink', origin: { file: 'net.yaml', path: 'links[2]' }, ...link }
  return { link: spec, container: node, dev: spec.dev, outerEnd: spec['outer-dev'], ip: spec.ip, mac: spec.mac, mtu: spec.mtu, forward: spec.forward, ...over }
}
const lines = (ops: Op[]) => ops.map(describeOp)

test('veth on a linux bridge: one atomic create line (one queue each end), then the container batch', () => {
  const p = planLinkAdd(ctx(), inst({ bridge: 's1', ip: '10.0.1.1/16', mac: 'c2:00:00:00:00:01', mtu: 9000, route: ['default via 10.0.0.1'], netem: ['delay 10ms', 'rate 1mbit'], ethtool: ['--offload tx off', '--offload rx off'] }, { outerEnd: 'node_1-eth0' }))
  assert.deepEqual(lines(p.create), [
    '[network] ip link add name node_1-eth0 mtu 9000 master s1 numtxqueues 1 numrxqueues 1 up type veth peer name eth0 address c2:00:00:00:00:01 mtu 9000 numtxqueues 1 numrxqueues 1 netns 4242',
  ])
  assert.deepEqual(lines(p.create[0].undo!), ['[network] ip link del dev node_1-eth0'])
  assert.deepEqual(lines(p.configure), [
    '[pid 4242] ip addr add 10.0.1.1/16 dev eth0',
    '[pid 4242] ip link set dev eth0 up',
    '[pid 4242] ip route add default via 10.0.0.1 dev eth0',
    '[pid 4242] tc qdisc replace dev eth0 root netem delay 10ms rate 1mbit',
    '[pid 4242] ethtool --offload eth0 tx off',
    '[pid 4242] ethtool --offload eth0 rx off',
  ])
})

test('veth on ovs and the network container itself', () => {
  const p = planLinkAdd(ctx({ conlinkPid: undefined }), inst({ bridge: 'o1' }, { outerEnd: 'o' }))
  assert.equal(describeOp(p.create[0]), '[network] ip link add name o numtxqueues 1 numrxqueues 1 up type veth peer name eth0 numtxqueues 1 numrxqueues 1 netns 4242')
  assert.deepEqual(lines(p.configure.slice(0, 1)), ['[network] ovs-vsctl --timeout=10 add-port o1 o'])
  assert.deepEqual(inNs(ctx({ conlinkPid: undefined }), 'conlink', ['ip']), ['ip'])
  assert.deepEqual(inNs(ctx(), 'conlink', ['ip']), ['nsenter', '--net=/proc/77/ns/net', 'ip'])
  assert.deepEqual(inNs(ctx(), 'host', ['ip']), ['nsenter', '--net=/proc/1/ns/net', 'ip'])
  assert.deepEqual(lines(planLinkDelete(ctx(), inst({ bridge: 'o1' }, { outerEnd: 'o' }))), [
    '[network] ovs-vsctl --timeout=10 --if-exists del-port o1 o', '[network] ip link del dev o',
  ])
})

test('nat and forward rules', () => {
  const c = ctx({ dockerEth0: { ip: '172.17.0.2/16' } })
  const p = planLinkAdd(c, inst({ bridge: 's1', ip: '10.0.1.1/16', nat: '10.99.0.1', forward: [{ 'conlink-port': 1080, port: 80, proto: 'tcp' }] }, { outerEnd: 'o' }))
  assert.deepEqual(lines(p.configure).filter((l) => /iptables|route/.test(l)), [
    '[pid 4242] iptables -w -t nat -A PREROUTING -i eth0 -j DNAT --to-destination 10.99.0.1',
    '[pid 4242] iptables -w -t nat -A POSTROUTING -o eth0 -j SNAT --to-source 10.0.1.1',
    '[network] ip route replace 10.0.1.1/32 dev s1',
    '[network] iptables -w -t mangle -A PREROUTING -i DOCKER-ETH0 -p tcp -m tcp --dport 1080 -j MARK --set-xmark 0x636c/0xffff',
    '[network] iptables -w -t nat -A PREROUTING -i DOCKER-ETH0 -p tcp -m tcp --dport 1080 -j DNAT --to-destination 10.0.1.1:80',
    '[network] iptables -w -t nat -A POSTROUTING -o s1 -m mark --mark 0x636c/0xffff -d 10.0.1.1/32 -p tcp -m tcp --dport 80 -j MASQUERADE',
    '[pid 4242] ip route replace 172.17.0.2/32 dev eth0',
  ])
  assert.throws(() => planLinkAdd(ctx(), inst({ bridge: 's1', ip: '10.0.1.1/16', forward: [{ 'conlink-port': 1, port: 2, proto: 'udp' }] }, { outerEnd: 'o' })), /DOCKER-ETH0/)
})

test('*vlan kinds: child of the host parent, straight into the container', () => {
  const host = (link: Partial<LinkSpec>, outer = 'eth1') => lines(planLinkAdd(ctx(), inst({ base: 'host', ...link }, { parent: outer })).create)
  assert.deepEqual(host({ type: 'vlan', vlanid: 5, mtu: 1400 }), ['[host] ip link add link eth1 name eth0 mtu 1400 netns 4242 type vlan id 5'])
  assert.deepEqual(host({ type: 'macvlan', mode: 'bridge', mac: 'c2:00:00:00:00:09' }), ['[host] ip link add link eth1 name eth0 address c2:00:00:00:00:09 netns 4242 type macvlan mode bridge'])
  assert.deepEqual(host({ type: 'macvtap' }), ['[host] ip link add link eth1 name eth0 netns 4242 type macvtap'])
  assert.deepEqual(host({ type: 'ipvlan', mode: 'l2', mac: 'c2:00:00:00:00:09' }), ['[host] ip link add link eth1 name eth0 netns 4242 type ipvlan mode l2'])
  assert.deepEqual(host({ type: 'ipvtap', mode: 'l3' }), ['[host] ip link add link eth1 name eth0 netns 4242 type ipvtap mode l3'])
  assert.deepEqual(lines(planLinkAdd(ctx(), inst({ type: 'vlan', base: 'host', vlanid: 5 }, { parent: 'eth1' })).create[0].undo!), ['[pid 4242] ip link del dev eth0'])
  assert.throws(() => planLinkAdd(ctx(), inst({ type: 'vlan', base: 'host' }, { parent: 'eth1' })), /needs vlanid/)
  assert.throws(() => planLinkAdd(ctx(), inst({ type: 'macvlan', base: 'host' })), /needs outer-dev/)
})

test('dummy lives only in the container', () => {
  const p = planLinkAdd(ctx(), inst({ type: 'dummy', base: 'local', dev: 'dummy0', ip: '8.8.8.8/24', mtu: 1500 }))
  assert.deepEqual(lines(p.create), ['[pid 4242] ip link add name dummy0 mtu 1500 type dummy'])
  assert.deepEqual(lines(planLinkDelete(ctx(), inst({ type: 'dummy', base: 'local', dev: 'dummy0' }))), ['[pid 4242] ip link del dev dummy0'])
})

test('tunnels, bridges and patch', () => {
  const t: TunnelSpec = { type: 'geneve', bridge: 's1', remote: '192.0.2.9', vni: 1001, port: 6081, netem: ['delay 5ms'], 'outer-dev': 'geneve-1001', origin: { file: 'f', path: 'tunnels[0]' } }
  const p = planTunnelAdd(t, ctx())
  assert.deepEqual(lines([...p.create, ...p.configure]), [
    '[network] ip link add name geneve-1001 master s1 up type geneve id 1001 remote 192.0.2.9',
    '[network] tc qdisc replace dev geneve-1001 root netem delay 5ms',
  ])
  // vxlan: the kernel's (and upstream's) 8472 unless the tunnel sets a port
  assert.deepEqual(lines(planTunnelAdd({ ...t, type: 'vxlan', port: 8472, netem: [], 'outer-dev': 'vxlan-1001' }, ctx()).create), [
    '[network] ip link add name vxlan-1001 master s1 up type vxlan id 1001 remote 192.0.2.9 dstport 8472',
  ])
  assert.deepEqual(lines(planTunnelAdd({ ...t, type: 'vxlan', port: 4789, netem: [], 'outer-dev': 'vxlan-1001' }, ctx()).create), [
    '[network] ip link add name vxlan-1001 master s1 up type vxlan id 1001 remote 192.0.2.9 dstport 4789',
  ])
  assert.deepEqual(lines(planTunnelAdd({ ...t, port: 7000, netem: [] }, ctx()).create), [
    '[network] ip link add name geneve-1001 master s1 up type geneve id 1001 remote 192.0.2.9 dstport 7000',
  ])
  const b = ctx().bridges
  assert.deepEqual(lines(planBridgeCreate(b.s1)), ['[network] ip link add name s1 up type bridge mcast_snooping 0'])
  assert.deepEqual(lines(planBridgeCreate(b.o1)), ['[network] ovs-vsctl --timeout=10 add-br o1 -- set bridge o1 fail-mode=standalone', '[network] ip link set dev o1 up'])
  assert.deepEqual(lines(planBridgeDelete(b.o1)), ['[network] ovs-vsctl --timeout=10 --if-exists del-br o1'])
  assert.deepEqual(planBridgeCreate(b.p1), [])
  const c = ctx()
  assert.deepEqual(joinPatch(c, 'p1', 'a', 'x:eth0'), [])
  assert.deepEqual(lines(joinPatch(c, 'p1', 'b', 'y:eth0')), [
    '[network] tc qdisc add dev a ingress',
    '[network] tc filter add dev a parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev b',
    '[network] tc qdisc add dev b ingress',
    '[network] tc filter add dev b parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev a',
  ])
  assert.throws(() => joinPatch(c, 'p1', 'c', 'z:eth0'), /exactly two links/)
  assert.deepEqual(lines(leavePatch(c, 'p1', 'a', 'x:eth0')), ['[network] tc qdisc del dev b ingress'])
})

test('missing kernel features give a clear error naming the link and its place', () => {
  const lacking = { ...all, dummy: false, netem: false, mirred: false }
  const c = ctx({ capabilities: lacking })
  const check = (i: LinkInstance, re: RegExp) =>
    assert.throws(() => requireLinkFeatures(c, i), (e: any) => re.test(e.message) && e.place.file === 'net.yaml' && e.place.path === 'links[2]')
  check(inst({ type: 'dummy', base: 'local' }), /dummy link node_1:eth0 needs kernel feature 'dummy'/)
  check(inst({ bridge: 's1', netem: ['delay 1ms'] }, { outerEnd: 'o' }), /veth link node_1:eth0 needs kernel feature 'netem'/)
  check(inst({ bridge: 'p1' }, { outerEnd: 'o' }), /needs kernel feature 'mirred'/)
})

test('batch safety and error parsing', () => {
  const op = (args: string[]): Op => ({ ns: 1, kind: 'ip', args, owner: 'x' })
  assert.equal(batchSafe(op(['route', 'add', '10.0.0.0/8', 'via', '10.1.1.1'])), true)
  assert.equal(batchSafe(op(['route', 'add', "10.9.0.254';"])), false)
  assert.equal(batchSafe(op(['a#b'])), false)
  assert.deepEqual([...parseBatchErrors('RTNETLINK answers: File exists\nCommand failed -:2\nError: x\nCommand failed -:5\n')], [
    [2, 'RTNETLINK answers: File exists'], [5, 'Error: x'],
  ])
  assert.deepEqual(routeWords({ dst: 'default', gateway: '172.17.0.1', protocol: 'static', metric: 5 }, 'DOCKER-ETH0'), [
    'route', 'replace', 'default', 'via', '172.17.0.1', 'dev', 'DOCKER-ETH0', 'proto', 'static', 'metric', '5',
  ])
})
