// Live tests of the link engine on real network namespaces (root, no Docker).
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, describe, test } from 'node:test'
import type { BridgeSpec } from '../../src/config/types.js'
import { ConlinkError } from '../../src/errors.js'
import {
  addContainerLinks, addLinksForContainers, checkContainerLinks, createBridges, createTunnels, deleteBridges,
  deleteContainerLinks, deleteTunnels, renameDockerEth0, type NetContext,
} from '../../src/net/index.js'
import { capabilities, fetchFrom, httpd, inside, instance, ipJson, ping, snapshot, withLogCapture, type FakeContainer, containerStarter } from './ns.js'

const container = containerStarter()

const linux = (bridge: string): BridgeSpec => ({ bridge, mode: 'linux', 'resolved-mode': 'linux' })
const patch = (bridge: string): BridgeSpec => ({ bridge, mode: 'patch', 'resolved-mode': 'patch' })

async function netCtx(bridges: BridgeSpec[], extra: Partial<NetContext> = {}): Promise<{ ctx: NetContext; net: FakeContainer }> {
  const net = await container('h2-net')
  const ctx: NetContext = { conlinkPid: net.pid, bridges: Object.fromEntries(bridges.map((b) => [b.bridge, b])), capabilities: await capabilities(), ...extra }
  return { ctx, net }
}

describe('veth on a linux bridge', () => {
  let ctx: NetContext, net: FakeContainer, a: FakeContainer, b: FakeContainer
  let baseline: string[]
  before(async () => {
    ;({ ctx, net } = await netCtx([linux('h2s1')]))
    await createBridges(ctx, Object.values(ctx.bridges))
    a = await container('h2a')
    b = await container('h2b')
    baseline = await Promise.all([snapshot(net), snapshot(a), snapshot(b)])
  })
  const links = () => [
    instance(a, { bridge: 'h2s1', ip: '10.0.1.1/24', mac: 'c2:00:00:00:01:01', mtu: 4111, route: ['10.9.0.0/16 via 10.0.1.254'], ethtool: ['--offload tx off', '--offload rx off'] }, { outerEnd: 'h2a-eth0' }),
  ]
  const linkB = () => [instance(b, { bridge: 'h2s1', ip: '10.0.1.2/24' }, { outerEnd: 'h2b-eth0' })]

  test('creates, pings, and applies mac/mtu/ip/routes/ethtool', async () => {
    await addContainerLinks(ctx, links())
    await addContainerLinks(ctx, linkB())
    assert.ok(await ping(a, '10.0.1.2'), 'a pings b across the bridge')
    const [eth0] = await ipJson(a, ['-d', 'addr', 'show', 'dev', 'eth0'])
    assert.equal(eth0.address, 'c2:00:00:00:01:01')
    assert.equal(eth0.mtu, 4111)
    assert.equal(eth0.linkinfo.info_kind, 'veth')
    assert.ok(eth0.addr_info.some((x: any) => x.local === '10.0.1.1' && x.prefixlen === 24))
    const routes = await ipJson(a, ['route', 'show', '10.9.0.0/16'])
    assert.equal(routes[0].gateway, '10.0.1.254')
    const [outer] = await ipJson(net, ['-d', 'link', 'show', 'dev', 'h2a-eth0'])
    assert.equal(outer.master, 'h2s1')
    assert.equal(outer.mtu, 4111)
    for (const end of [eth0, outer]) assert.deepEqual([end.num_tx_queues, end.num_rx_queues], [1, 1], 'one queue each end, whatever the CPU count')
    const [bridge] = await ipJson(net, ['-d', 'link', 'show', 'dev', 'h2s1'])
    assert.equal(bridge.linkinfo.info_data.mcast_snooping, 0, 'linux bridges flood multicast, as OVS bridges do')
    const k = (await inside(a, ['ethtool', '-k', 'eth0'])).stdout
    assert.match(k, /tx-checksumming: off/)
    assert.match(k, /rx-checksumming: off/)
    assert.deepEqual(await checkContainerLinks(ctx, links()), [])
  })

  test('re-adding an existing link as configured succeeds; a different one is reported', async () => {
    await addContainerLinks(ctx, links())
    const other = instance(a, { bridge: 'h2s1', ip: '10.0.1.9/24', mtu: 1500 }, { outerEnd: 'h2a-eth0' })
    await assert.rejects(addContainerLinks(ctx, [other]), (e: ConlinkError) => {
      assert.match(e.message, /h2a:eth0.*already exists differently.*mtu is 4111, not 1500.*ip 10\.0\.1\.9\/24 missing/)
      assert.equal(e.place.file, 'test.yaml')
      return true
    })
    assert.ok(await ping(a, '10.0.1.2'), 'the existing link is untouched')
  })

  test('a failure part-way undoes the whole container', async () => {
    const c = await container('h2c')
    const before = await snapshot(net)
    const bad = [
      instance(c, { bridge: 'h2s1', ip: '10.0.1.3/24' }, { outerEnd: 'h2c-eth0' }),
      instance(c, { bridge: 'h2s1', dev: 'eth1', ip: '10.0.2.3/24', route: ['10.8.0.0/24 via 10.77.0.1'] }, { outerEnd: 'h2c-eth1' }),
    ]
    await assert.rejects(addContainerLinks(ctx, bad), /h2c:eth1/)
    assert.equal(await snapshot(net), before)
    assert.deepEqual((await ipJson(c, ['link', 'show'])).map((l: any) => l.ifname), ['lo'])
  })

  test('config values reach ip as data, never a shell', async () => {
    const c = await container('h2d')
    const marker = join(tmpdir(), `h2-injected-${process.pid}`)
    const evil = instance(c, { bridge: 'h2s1', ip: '10.0.1.4/24', route: [`10.8.0.0/24 via 10.9.0.254'; touch ${marker}; echo '`] }, { outerEnd: 'h2d-eth0' })
    await assert.rejects(addContainerLinks(ctx, [evil]), /h2d:eth0/)
    assert.equal(existsSync(marker), false)
  })

  test('delete leaves nothing behind', async () => {
    // made here (re-adding as configured is a no-op), so the test stands alone
    await addContainerLinks(ctx, links())
    await addContainerLinks(ctx, linkB())
    assert.deepEqual(await checkContainerLinks(ctx, [...links(), ...linkB()]), [], 'both links exist before the delete')
    await deleteContainerLinks(ctx, links())
    await deleteContainerLinks(ctx, linkB())
    assert.deepEqual(await Promise.all([snapshot(net), snapshot(a), snapshot(b)]), baseline)
  })

  test('deleting links of a gone container is a warning', async () => {
    const c = await container('h2e')
    const l = [instance(c, { bridge: 'h2s1', ip: '10.0.1.5/24', nat: '10.99.0.5' }, { outerEnd: 'h2e-eth0' })]
    await addContainerLinks(ctx, l)
    assert.equal((await ipJson(net, ['link', 'show'])).some((x: any) => x.ifname === 'h2e-eth0'), true, 'created first')
    c.kill()
    for (let i = 0; i < 100 && existsSync(`/proc/${c.pid}/ns/net`); i++) await new Promise((r) => setTimeout(r, 10))
    const { warnings } = await withLogCapture(() => deleteContainerLinks(ctx, l))
    assert.deepEqual(warnings, [`container h2e (pid ${c.pid}) is gone: its interfaces went with it`], 'exactly one warning, naming the container')
    assert.equal((await ipJson(net, ['link', 'show'])).some((x: any) => x.ifname === 'h2e-eth0'), false)
  })

  test('an existing bridge is refused and nothing is created', async () => {
    await assert.rejects(createBridges(ctx, [linux('h2new'), linux('h2s1')]), /bridge h2s1 already exists/)
    assert.equal((await ipJson(net, ['link', 'show'])).some((x: any) => x.ifname === 'h2new'), false)
  })

  test('deleteBridges removes it', async () => {
    assert.equal((await ipJson(net, ['link', 'show'])).some((x: any) => x.ifname === 'h2s1'), true, 'the bridge exists first')
    await deleteBridges(ctx, Object.values(ctx.bridges))
    assert.equal((await ipJson(net, ['link', 'show'])).some((x: any) => x.ifname === 'h2s1'), false)
  })
})

describe('patch', () => {
  test('joins two links with mirred filters, either may start first, torn down cleanly', async (t) => {
    const { ctx, net } = await netCtx([patch('h2p')])
    if (!ctx.capabilities.mirred) return t.skip('kernel lacks mirred')
    const a = await container('h2pa')
    const b = await container('h2pb')
    const before = await snapshot(net)
    const la = [instance(a, { bridge: 'h2p', ip: '10.0.3.1/24', mac: 'c2:00:00:00:03:01' }, { outerEnd: 'h2pa-eth0' })]
    const lb = [instance(b, { bridge: 'h2p', ip: '10.0.3.2/24' }, { outerEnd: 'h2pb-eth0' })]
    await addContainerLinks(ctx, lb)
    assert.equal((await inside(net, ['tc', 'filter', 'show', 'dev', 'h2pb-eth0', 'ingress'])).stdout, '')
    await addContainerLinks(ctx, la)
    for (const [from, to] of [['h2pa-eth0', 'h2pb-eth0'], ['h2pb-eth0', 'h2pa-eth0']]) {
      const f = (await inside(net, ['tc', 'filter', 'show', 'dev', from, 'ingress'])).stdout
      assert.match(f, new RegExp(`mirred \\(Egress Redirect to device ${to}\\)`))
    }
    assert.ok(await ping(a, '10.0.3.2'))
    const c = await container('h2pc')
    await assert.rejects(addContainerLinks(ctx, [instance(c, { bridge: 'h2p' }, { outerEnd: 'h2pc-eth0' })]), /exactly two links/)
    await deleteContainerLinks(ctx, la)
    assert.doesNotMatch((await inside(net, ['tc', 'qdisc', 'show', 'dev', 'h2pb-eth0'])).stdout, /ingress/)
    await addContainerLinks(ctx, la)
    assert.ok(await ping(b, '10.0.3.1'), 'rejoined after the other side came back')
    await deleteContainerLinks(ctx, [...la, ...lb])
    assert.equal(await snapshot(net), before)
  })
})

describe('router between two bridges', () => {
  test('pings across a router namespace', async () => {
    const { ctx } = await netCtx([linux('h2r1'), linux('h2r2')])
    await createBridges(ctx, Object.values(ctx.bridges))
    const [r, h1, h2] = await Promise.all([container('h2r'), container('h2h1'), container('h2h2')])
    await inside(r, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'])
    const results = await addLinksForContainers(ctx, [
      [instance(r, { bridge: 'h2r1', dev: 'eth-s1', ip: '192.168.1.1/24' }, { outerEnd: 'h2r-s1' }),
        instance(r, { bridge: 'h2r2', dev: 'eth-s2', ip: '172.16.0.1/12' }, { outerEnd: 'h2r-s2' })],
      [instance(h1, { bridge: 'h2r1', ip: '192.168.1.100/24', route: ['default via 192.168.1.1'] }, { outerEnd: 'h2h1-eth0' })],
      [instance(h2, { bridge: 'h2r2', ip: '172.16.0.100/12', route: ['default via 172.16.0.1'] }, { outerEnd: 'h2h2-eth0' })],
    ])
    assert.deepEqual([...results.values()], [undefined, undefined, undefined])
    assert.ok(await ping(h1, '172.16.0.100'))
  })
})

describe('macvlan', () => {
  test('children of a host parent ping each other', async (t) => {
    const host = await container('h2host')
    const { ctx } = await netCtx([], { hostPid: host.pid })
    if (!ctx.capabilities.macvlan) return t.skip('kernel lacks macvlan')
    await inside(host, ['ip', 'link', 'add', 'name', 'h2par', 'mtu', '1400', 'up', 'type', 'veth', 'peer', 'name', 'h2par-p'])
    await inside(host, ['ip', 'link', 'set', 'dev', 'h2par-p', 'up'])
    const [a, b] = await Promise.all([container('h2ma'), container('h2mb')])
    const mv = (c: FakeContainer, ip: string, mtu?: number) =>
      instance(c, { type: 'macvlan', base: 'host', mode: 'bridge', ip, mtu, dev: 'eth0' }, { parent: 'h2par' })
    await addContainerLinks(ctx, [mv(a, '10.0.4.1/24')])
    await addContainerLinks(ctx, [mv(b, '10.0.4.2/24')])
    const [eth0] = await ipJson(a, ['-d', 'link', 'show', 'dev', 'eth0'])
    assert.equal(eth0.linkinfo.info_kind, 'macvlan')
    assert.equal(eth0.mtu, 1400, "default mtu is the parent's")
    assert.ok(await ping(a, '10.0.4.2'))
    const c = await container('h2mc')
    await assert.rejects(addContainerLinks(ctx, [mv(c, '10.0.4.3/24', 9000)]), /h2mc:eth0.*mtu 9000 exceeds the MTU 1400 of parent h2par/)
    await deleteContainerLinks(ctx, [mv(a, '10.0.4.1/24'), mv(b, '10.0.4.2/24')])
    assert.deepEqual((await ipJson(a, ['link', 'show'])).map((l: any) => l.ifname), ['lo'])
  })
})

describe('vxlan tunnel between two hosts', () => {
  test('a container on host A pings one on host B', async (t) => {
    const caps = await capabilities()
    if (!caps.vxlan) return t.skip('kernel lacks vxlan')
    const A = await netCtx([linux('h2vx')])
    const B = await netCtx([linux('h2vx')])
    // underlay: a veth between the two network namespaces
    await inside(A.net, ['ip', 'link', 'add', 'name', 'h2u', 'up', 'type', 'veth', 'peer', 'name', 'h2u', 'netns', String(B.net.pid)])
    await inside(A.net, ['ip', 'addr', 'add', '192.0.2.1/24', 'dev', 'h2u'])
    await inside(B.net, ['ip', 'link', 'set', 'dev', 'h2u', 'up'])
    await inside(B.net, ['ip', 'addr', 'add', '192.0.2.2/24', 'dev', 'h2u'])
    const tunnel = (remote: string) => ({ type: 'vxlan' as const, bridge: 'h2vx', remote, vni: 1001, port: 8472, netem: [], 'outer-dev': 'vxlan-1001', origin: { file: 'test.yaml', path: 'tunnels[0]' } })
    for (const [side, remote] of [[A, '192.0.2.2'], [B, '192.0.2.1']] as const) {
      await createBridges(side.ctx, Object.values(side.ctx.bridges))
      await createTunnels(side.ctx, [tunnel(remote)])
    }
    const [a, b] = await Promise.all([container('h2va'), container('h2vb')])
    await addContainerLinks(A.ctx, [instance(a, { bridge: 'h2vx', ip: '10.0.5.1/24', mtu: 1400 }, { outerEnd: 'h2va-eth0' })])
    await addContainerLinks(B.ctx, [instance(b, { bridge: 'h2vx', ip: '10.0.5.2/24', mtu: 1400 }, { outerEnd: 'h2vb-eth0' })])
    assert.ok(await ping(a, '10.0.5.2'))
    const [vx] = await ipJson(A.net, ['-d', 'link', 'show', 'dev', 'vxlan-1001'])
    assert.equal(vx.linkinfo.info_data.port, 8472, 'the kernel default port, as upstream conlink uses')
    await deleteTunnels(A.ctx, [tunnel('192.0.2.2')])
    assert.equal((await ipJson(A.net, ['link', 'show'])).some((l: any) => l.ifname === 'vxlan-1001'), false)
  })
})

describe('nat', () => {
  test('1:1 nat: traffic to the link ip reaches the nat address', async () => {
    const { ctx } = await netCtx([linux('h2n')])
    await createBridges(ctx, Object.values(ctx.bridges))
    const [s, c] = await Promise.all([container('h2ns'), container('h2nc')])
    await inside(s, ['ip', 'addr', 'add', '10.99.0.1/32', 'dev', 'lo'])
    const ls = [instance(s, { bridge: 'h2n', ip: '10.0.6.1/24', nat: '10.99.0.1' }, { outerEnd: 'h2ns-eth0' })]
    await addContainerLinks(ctx, ls)
    await addContainerLinks(ctx, [instance(c, { bridge: 'h2n', ip: '10.0.6.2/24' }, { outerEnd: 'h2nc-eth0' })])
    const stop = httpd(s, 'hello from h2\n', '10.99.0.1:80') // listens ONLY on the nat address
    try {
      assert.equal(await fetchFrom(c, 'http://10.0.6.1/'), 'hello from h2')
    } finally {
      stop()
    }
    const rules = (await inside(s, ['iptables-save', '-t', 'nat'])).stdout
    assert.match(rules, /-A PREROUTING -i eth0 -j DNAT --to-destination 10.99.0.1/)
    assert.match(rules, /-A POSTROUTING -o eth0 -j SNAT --to-source 10.0.6.1/)
    await deleteContainerLinks(ctx, ls)
    assert.doesNotMatch((await inside(s, ['iptables-save', '-t', 'nat'])).stdout, /DNAT|SNAT/)
  })
})

describe('forward', () => {
  test('DOCKER-ETH0 port is forwarded to a container port', async () => {
    const { ctx, net } = await netCtx([linux('h2f')])
    const client = await container('h2fc')
    // the engine-provided eth0 of the network container, and an outside client on it
    await inside(net, ['ip', 'link', 'add', 'name', 'eth0', 'type', 'veth', 'peer', 'name', 'h2fx', 'netns', String(client.pid)])
    await inside(net, ['ip', 'addr', 'add', '172.30.0.2/24', 'dev', 'eth0'])
    await inside(net, ['ip', 'link', 'set', 'dev', 'eth0', 'up'])
    await inside(net, ['ip', 'route', 'add', '172.31.0.0/16', 'via', '172.30.0.1', 'dev', 'eth0'])
    await inside(client, ['ip', 'addr', 'add', '172.30.0.1/24', 'dev', 'h2fx'])
    await inside(client, ['ip', 'link', 'set', 'dev', 'h2fx', 'up'])
    ctx.dockerEth0 = await renameDockerEth0(ctx)
    assert.deepEqual(ctx.dockerEth0, { ip: '172.30.0.2/24' })
    const routes = await ipJson(net, ['route', 'show', 'dev', 'DOCKER-ETH0'])
    assert.ok(routes.some((r: any) => r.dst === '172.31.0.0/16' && r.gateway === '172.30.0.1'), 'routes kept')
    await createBridges(ctx, Object.values(ctx.bridges))
    const before = await snapshot(net)
    const node = await container('h2fn')
    const l = [instance(node, { bridge: 'h2f', ip: '10.0.7.1/24', forward: [{ 'conlink-port': 1080, port: 80, proto: 'tcp' }] }, { outerEnd: 'h2fn-eth0' })]
    await addContainerLinks(ctx, l)
    const stop = httpd(node, 'hello from h2\n', '80')
    try {
      assert.equal(await fetchFrom(client, 'http://172.30.0.2:1080/'), 'hello from h2')
    } finally {
      stop()
    }
    await deleteContainerLinks(ctx, l)
    assert.equal(await snapshot(net), before)
  })
})
