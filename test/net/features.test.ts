// Kernel features this machine may lack: the probe decides at run time; the
// clear error is always checked, the live part runs only where the kernel has it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { BridgeSpec } from '../../src/config/types.js'
import {
  addContainerLinks, createBridges, createTunnels, deleteContainerLinks, describeCapabilities, FEATURES, probeCapabilities, type Capabilities, type NetContext,
} from '../../src/net/index.js'
import { capabilities, inside, instance, ipJson, containerStarter } from './ns.js'

const container = containerStarter()
const lacking = (caps: Capabilities, f: keyof Capabilities): Capabilities => ({ ...caps, [f]: false })

test('probe is fast and finds what this kernel has', async () => {
  const t0 = performance.now()
  const caps = await probeCapabilities()
  const ms = performance.now() - t0
  console.log(`${describeCapabilities(caps)} (${ms.toFixed(0)} ms)`)
  assert.ok(caps.veth && caps.bridge, 'veth and bridge are basic')
  assert.deepEqual(Object.keys(caps).sort(), [...FEATURES].sort())
  assert.ok(ms < 1000)
})

for (const [feature, link] of [
  ['dummy', { type: 'dummy', base: 'local', dev: 'dummy0', ip: '8.8.8.8/24' }],
  ['vlan', { type: 'vlan', base: 'host', vlanid: 5, ip: '10.0.8.1/24' }],
  ['ipvlan', { type: 'ipvlan', base: 'host', mode: 'l2', ip: '10.0.8.2/24' }],
  ['ipvtap', { type: 'ipvtap', base: 'host', mode: 'l2', ip: '10.0.8.3/24' }],
] as const) {
  test(`${feature} link`, async (t) => {
    const caps = await capabilities()
    const host = await container('h2fh')
    await inside(host, ['ip', 'link', 'add', 'name', 'h2fp', 'up', 'type', 'veth', 'peer', 'name', 'h2fq'])
    const c = await container('h2fc')
    const ctx: NetContext = { bridges: {}, capabilities: caps, hostPid: host.pid }
    const i = instance(c, link, { parent: link.base === 'host' ? 'h2fp' : undefined })
    await assert.rejects(addContainerLinks({ ...ctx, capabilities: lacking(caps, feature) }, [i]), (e: Error & { place: { file?: string; path?: string } }) => {
      assert.equal(e.message, `${link.type} link h2fc:${link.dev ?? 'eth0'} needs kernel feature '${feature}', which this kernel lacks`)
      assert.deepEqual(e.place, { file: 'test.yaml', path: 'links[0]' })
      return true
    })
    if (!caps[feature]) return t.skip(`kernel lacks ${feature}: checked the error only`)
    await addContainerLinks(ctx, [i])
    const [dev] = await ipJson(c, ['-d', 'addr', 'show', 'dev', i.dev])
    assert.equal(dev.linkinfo.info_kind, link.type)
    await deleteContainerLinks(ctx, [i])
  })
}

test('netem on a veth', async (t) => {
  const caps = await capabilities()
  const net = await container('h2fn')
  const c = await container('h2fe')
  const bridges: Record<string, BridgeSpec> = { h2fb: { bridge: 'h2fb', mode: 'linux', 'resolved-mode': 'linux' } }
  const ctx: NetContext = { conlinkPid: net.pid, bridges, capabilities: caps }
  const i = instance(c, { bridge: 'h2fb', netem: ['delay 20ms'] }, { outerEnd: 'h2fe-eth0' })
  await assert.rejects(addContainerLinks({ ...ctx, capabilities: lacking(caps, 'netem') }, [i]), /veth link h2fe:eth0 needs kernel feature 'netem'/)
  if (!caps.netem) return t.skip('kernel lacks netem: checked the error only')
  await createBridges(ctx, Object.values(bridges))
  await addContainerLinks(ctx, [i])
  assert.match((await inside(c, ['tc', 'qdisc', 'show', 'dev', 'eth0'])).stdout, /netem .*delay 20ms/)
})

test('geneve tunnel', async (t) => {
  const caps = await capabilities()
  const net = await container('h2fg')
  const bridges: Record<string, BridgeSpec> = { h2gb: { bridge: 'h2gb', mode: 'linux', 'resolved-mode': 'linux' } }
  const ctx: NetContext = { conlinkPid: net.pid, bridges, capabilities: caps }
  const tunnel = { type: 'geneve' as const, bridge: 'h2gb', remote: '192.0.2.2', vni: 7, port: 6081, netem: [], 'outer-dev': 'geneve-7', origin: { file: 'test.yaml', path: 'tunnels[0]' } }
  await assert.rejects(createTunnels({ ...ctx, capabilities: lacking(caps, 'geneve') }, [tunnel]), (e: Error & { place: object }) => {
    assert.equal(e.message, "tunnel geneve-7 needs kernel feature 'geneve', which this kernel lacks")
    assert.deepEqual(e.place, tunnel.origin)
    return true
  })
  if (!caps.geneve) return t.skip('kernel lacks geneve: checked the error only')
  await createBridges(ctx, Object.values(bridges))
  await createTunnels(ctx, [tunnel])
  const [dev] = await ipJson(net, ['-d', 'link', 'show', 'dev', 'geneve-7'])
  assert.equal(dev.master, 'h2gb')
})

test('ovs bridge', async (t) => {
  const caps = await capabilities()
  const net = await container('h2fo')
  const ovs: BridgeSpec = { bridge: 'h2ovs', mode: 'ovs', 'resolved-mode': 'ovs' }
  const ctx: NetContext = { conlinkPid: net.pid, bridges: { h2ovs: ovs }, capabilities: lacking(caps, 'openvswitch') }
  await assert.rejects(createBridges(ctx, [ovs]), /ovs bridge h2ovs needs kernel feature 'openvswitch', which this kernel lacks/)
  if (!caps.openvswitch) return t.skip('kernel lacks openvswitch: checked the error and the plan (unit test) only')
  // where the kernel has it, the live bridge is tested in gaps.test.ts
})
