// T8 offline: examples/test8-compose.yaml loads, and the exact commands conlink
// would run for each link (macvlan and VLAN 5 children of the host interface,
// the dummy, the NAT rules), plus the clear error on a kernel without dummy
// or vlan. The live part is test/e2e/up-t8.test.ts.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { instantiateLink, loadNetworkConfig } from '../../src/config/index.js'
import type { ContainerInfo, NetworkConfig } from '../../src/config/types.js'
import { FEATURES, type Capabilities } from '../../src/net/capabilities.js'
import { describeOp, explainHostNamespaceDenied, planLinkAdd, requireLinkFeatures, type NetContext } from '../../src/net/index.js'

const FILE = fileURLToPath(new URL('../../examples/test8-compose.yaml', import.meta.url))
const ENV = { HOST_INTERFACE: 'eth9', NODE1_HOST_ADDRESS: '192.168.1.50/24', NODE2_HOST_ADDRESS: '192.168.5.50/24' }
const every = Object.fromEntries(FEATURES.map((f) => [f, true])) as Capabilities
const thisKernel: Capabilities = { ...every, dummy: false, vlan: false }
const ctx = (capabilities: Capabilities): NetContext => ({ conlinkPid: 77, capabilities, bridges: {} })

async function example(): Promise<NetworkConfig> {
  return (await loadNetworkConfig({ composeFiles: [FILE], env: ENV, probe: () => false })).config
}

function container(service: string, pid: number): ContainerInfo {
  return { id: `${service}-id`, name: `t8_${service}_1`, pid, project: 't8', service, index: 1 }
}

/** Each link of a service as the lines conlink would run: create, then configure. */
async function planned(service: string, pid: number): Promise<string[][]> {
  const config = await example()
  return config.services[service].links.map((link) => {
    const plan = planLinkAdd(ctx(every), instantiateLink(link, container(service, pid)))
    return [...plan.create, ...plan.configure].map(describeOp)
  })
}

test('T8: each node has a dummy d0 (internal) and a host child eth0 with nat to it', async () => {
  const config = await example()
  for (const [service, type] of [['node-macvlan', 'macvlan'], ['node-vlan', 'vlan']] as const) {
    const [inner, outer] = config.services[service].links
    assert.deepEqual([inner.type, inner.dev, inner.ip, inner.base], ['dummy', 'd0', '10.0.1.1/24', 'local'])
    assert.deepEqual([outer.type, outer.dev, outer['outer-dev'], outer.nat, outer.base], [type, 'eth0', 'eth9', '10.0.1.1', 'host'])
  }
  assert.equal(config.services['node-vlan'].links[1].vlanid, 5)
  assert.equal(config.services['node-macvlan'].links[1].mode, 'bridge')
})

test('T8 macvlan node: the exact commands', async () => {
  const [dummy, macvlan] = await planned('node-macvlan', 4242)
  assert.match(dummy[0], /^\[pid 4242\] ip link add name d0 address c2:[0-9a-f:]{14} mtu 65535 type dummy$/)
  assert.deepEqual(dummy.slice(1), ['[pid 4242] ip addr add 10.0.1.1/24 dev d0', '[pid 4242] ip link set dev d0 up'])
  assert.match(macvlan[0], /^\[host\] ip link add link eth9 name eth0 address c2:[0-9a-f:]{14} netns 4242 type macvlan mode bridge$/)
  assert.deepEqual(macvlan.slice(1), [
    '[pid 4242] ip addr add 192.168.1.50/24 dev eth0',
    '[pid 4242] ip link set dev eth0 up',
    '[pid 4242] iptables -w -t nat -A PREROUTING -i eth0 -j DNAT --to-destination 10.0.1.1',
    '[pid 4242] iptables -w -t nat -A POSTROUTING -o eth0 -j SNAT --to-source 192.168.1.50',
  ])
})

test('T8 vlan node: the exact commands', async () => {
  const [, vlan] = await planned('node-vlan', 4343)
  assert.match(vlan[0], /^\[host\] ip link add link eth9 name eth0 address c2:[0-9a-f:]{14} netns 4343 type vlan id 5$/)
  assert.deepEqual(vlan.slice(1), [
    '[pid 4343] ip addr add 192.168.5.50/24 dev eth0',
    '[pid 4343] ip link set dev eth0 up',
    '[pid 4343] iptables -w -t nat -A PREROUTING -i eth0 -j DNAT --to-destination 10.0.1.1',
    '[pid 4343] iptables -w -t nat -A POSTROUTING -o eth0 -j SNAT --to-source 192.168.5.50',
  ])
})

test('T8 on a kernel without dummy and vlan: the error names the link, the feature, the place and the fix', async () => {
  const config = await example()
  const errors = (['node-macvlan', 'node-vlan'] as const).flatMap((service) =>
    config.services[service].links.map((link) => {
      try {
        requireLinkFeatures(ctx(thisKernel), instantiateLink(link, container(service, 4242)))
        return `${service}:${link.dev} ok`
      } catch (e) {
        return (e as { describe(): string }).describe()
      }
    }),
  )
  assert.match(errors[0], /test8-compose\.yaml: services\.node-macvlan\.x-network\.links\[0\]: dummy link t8_node-macvlan_1:d0 needs kernel feature 'dummy', which this kernel lacks \(.+\)/)
  assert.equal(errors[1], 'node-macvlan:eth0 ok', 'macvlan exists on this kernel')
  assert.match(errors[2], /dummy link t8_node-vlan_1:d0 needs kernel feature 'dummy'/)
  assert.match(errors[3], /test8-compose\.yaml: services\.node-vlan\.x-network\.links\[1\]: vlan link t8_node-vlan_1:eth0 needs kernel feature 'vlan', which this kernel lacks \(.+\)/)
})

test('T8: a host namespace the network container may not open gets the fix', () => {
  const denied = 'nsenter: cannot open /proc/1/ns/net: Permission denied'
  assert.match(explainHostNamespaceDenied(denied), /^nsenter: cannot open \/proc\/1\/ns\/net: Permission denied: .*SYS_PTRACE.*--host-pid \/ CONLINK_HOST_PID/)
  assert.match(explainHostNamespaceDenied('nsenter: cannot open /proc/4242/ns/net: Permission denied', 4242), /SYS_PTRACE/)
  assert.equal(explainHostNamespaceDenied('RTNETLINK answers: File exists'), 'RTNETLINK answers: File exists')
})
