// IPv6 and dual-stack links on real network namespaces (root, no Docker):
// addresses (nodad), replica offsets, routes through a router, nat with
// ip6tables, forwards from an IPv6 DOCKER-ETH0, a vxlan tunnel over IPv6.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { instantiateLink } from '../../src/config/replica.js'
import type { BridgeSpec, LinkSpec } from '../../src/config/types.js'
import { run } from '../../src/exec.js'
import {
  addContainerLinks, addLinksForContainers, checkContainerLinks, createBridges, createTunnels, deleteContainerLinks, renameDockerEth0, restoreDockerEth0,
  type NetContext,
} from '../../src/net/index.js'
import { capabilities, fetchFrom, httpd, inside, instance, ipJson, linkSpec, snapshot, type FakeContainer, containerStarter } from './ns.js'

const container = containerStarter()

const linux = (bridge: string): BridgeSpec => ({ bridge, mode: 'linux', 'resolved-mode': 'linux' })

async function netCtx(bridges: BridgeSpec[], extra: Partial<NetContext> = {}): Promise<{ ctx: NetContext; net: FakeContainer }> {
  const net = await container('h17-net')
  const ctx: NetContext = { conlinkPid: net.pid, bridges: Object.fromEntries(bridges.map((b) => [b.bridge, b])), capabilities: await capabilities(), ...extra }
  await createBridges(ctx, bridges)
  return { ctx, net }
}

/** One ping over IPv6, no retry: addresses must be usable as soon as the link is reported connected. */
const ping6Once = (from: FakeContainer, addr: string) => inside(from, ['busybox', 'ping', '-6', '-c', '1', '-W', '2', addr], true)
const ping4Once = (from: FakeContainer, addr: string) => inside(from, ['busybox', 'ping', '-4', '-c', '1', '-W', '2', addr], true)

interface AddrInfo { family: string; local: string; prefixlen: number; scope: string; tentative?: boolean; nodad?: boolean }
async function addrs(c: FakeContainer, dev = 'eth0'): Promise<AddrInfo[]> {
  const [link] = await ipJson(c, ['addr', 'show', 'dev', dev])
  return link.addr_info
}
const globals = (list: AddrInfo[]) => list.filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`)

describe('dual-stack veth links', () => {
  test('IPv4 and IPv6 addresses, nodad, pings at once over both families, check is clean', async () => {
    const { ctx } = await netCtx([linux('h17s1')])
    const [a, b] = await Promise.all([container('h17a'), container('h17b')])
    const la = [instance(a, { bridge: 'h17s1', ip: ['10.17.1.1/24', '2001:db8:17::1/64'], route: ['2001:db8:99::/48 via 2001:db8:17::fe'] }, { outerEnd: 'h17a-eth0' })]
    // written non-canonically: the kernel reports 2001:db8:17::2, and check must agree
    const lb = [instance(b, { bridge: 'h17s1', ip: ['10.17.1.2/24', '2001:DB8:17:0::2/64'] }, { outerEnd: 'h17b-eth0' })]
    await addContainerLinks(ctx, la)
    await addContainerLinks(ctx, lb)
    const r6 = await ping6Once(a, '2001:db8:17::2')
    assert.equal(r6.exitCode, 0, `first IPv6 ping right after connect: ${r6.stdout}${r6.stderr}`)
    assert.equal((await ping4Once(a, '10.17.1.2')).exitCode, 0)
    const mine = await addrs(a)
    assert.deepEqual(globals(mine), ['10.17.1.1/24', '2001:db8:17::1/64'])
    const v6 = mine.find((x) => x.local === '2001:db8:17::1')!
    assert.equal(v6.nodad, true)
    assert.equal(v6.tentative, undefined, 'not tentative: usable at once')
    const [route] = await ipJson(a, ['-6', 'route', 'show', '2001:db8:99::/48'])
    assert.equal(route.gateway, '2001:db8:17::fe')
    assert.deepEqual(await checkContainerLinks(ctx, [...la, ...lb]), [])
    // a missing IPv6 route is reported (check reads IPv6 routes too)
    await inside(a, ['ip', '-6', 'route', 'del', '2001:db8:99::/48'])
    assert.deepEqual(await checkContainerLinks(ctx, la), ["h17a:eth0: route '2001:db8:99::/48 via 2001:db8:17::fe' missing"])
  })
})

describe('replica offsets', () => {
  test('three replicas of a scaled service get consecutive IPv6 addresses, unique MACs and link-local addresses', async () => {
    const { ctx } = await netCtx([linux('h17r')])
    const spec: LinkSpec = linkSpec({ service: 'node', bridge: 'h17r', ip: ['10.17.2.1/24', '2001:db8:172::a/64'] })
    const replicas = await Promise.all([1, 2, 3].map(async (index) => ({ ...(await container(`h17n${index}`)), index })))
    const instances = replicas.map((c) => ({ ...instantiateLink(spec, c), outerEnd: `h17n${c.index}-eth0` }))
    const results = await addLinksForContainers(ctx, instances.map((i) => [i]))
    assert.deepEqual([...results.values()], [undefined, undefined, undefined])
    const seen = await Promise.all(replicas.map(async (c) => addrs(c)))
    assert.deepEqual(seen.map(globals), [
      ['10.17.2.1/24', '2001:db8:172::a/64'],
      ['10.17.2.2/24', '2001:db8:172::b/64'],
      ['10.17.2.3/24', '2001:db8:172::c/64'],
    ])
    const macs = await Promise.all(replicas.map(async (c) => (await ipJson(c, ['link', 'show', 'dev', 'eth0']))[0].address))
    assert.equal(new Set(macs).size, 3, `MACs ${macs}`)
    const linkLocal = seen.map((list) => list.find((a) => a.scope === 'link')?.local)
    assert.equal(new Set(linkLocal).size, 3, `link-local addresses ${linkLocal}`)
    for (const to of ['2001:db8:172::b', '2001:db8:172::c']) assert.equal((await ping6Once(replicas[0], to)).exitCode, 0, to)
    await deleteContainerLinks(ctx, instances)
    assert.deepEqual((await ipJson(replicas[0], ['link', 'show'])).map((x: any) => x.ifname), ['lo'])
  })
})

describe('IPv6 router', () => {
  test('hosts with `default via` IPv6 and IPv4 gateways ping across a router over both families', async () => {
    const { ctx } = await netCtx([linux('h17x1'), linux('h17x2')])
    const [r, h1, h2] = await Promise.all([container('h17rt'), container('h17h1'), container('h17h2')])
    await inside(r, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1'])
    const h1Link = instance(h1, { bridge: 'h17x1', mac: 'c2:17:00:00:01:64', ip: ['192.168.17.100/24', '2001:db8:1::100/64'], route: ['default via 192.168.17.1', 'default via 2001:db8:1::1'] }, { outerEnd: 'h17h1-eth0' })
    const h2Link = instance(h2, { bridge: 'h17x2', mac: 'c2:17:00:00:02:64', ip: ['172.17.0.100/16', '2001:db8:2::100/64'], route: ['default via 172.17.0.1', 'default via 2001:db8:2::1'] }, { outerEnd: 'h17h2-eth0' })
    const results = await addLinksForContainers(ctx, [
      [instance(r, { bridge: 'h17x1', dev: 'eth-s1', mac: 'c2:17:00:00:01:01', ip: ['192.168.17.1/24', '2001:db8:1::1/64'] }, { outerEnd: 'h17r-s1' }),
        instance(r, { bridge: 'h17x2', dev: 'eth-s2', mac: 'c2:17:00:00:02:01', ip: ['172.17.0.1/16', '2001:db8:2::1/64'] }, { outerEnd: 'h17r-s2' })],
      [h1Link],
      [h2Link],
    ])
    assert.deepEqual([...results.values()], [undefined, undefined, undefined])
    const rl = (await addrs(r, 'eth-s1')).find((a) => a.scope === 'link')!
    assert.deepEqual([rl.local, rl.nodad, rl.tentative], ['fe80::c017:ff:fe00:101', true, undefined], "the router's link-local is usable at once")
    const [v6default] = await ipJson(h1, ['-6', 'route', 'show', 'default'])
    assert.equal(v6default.gateway, '2001:db8:1::1')
    const r6 = await ping6Once(h1, '2001:db8:2::100')
    assert.equal(r6.exitCode, 0, r6.stdout + r6.stderr)
    assert.equal((await ping4Once(h1, '172.17.0.100')).exitCode, 0)
    assert.deepEqual(await checkContainerLinks(ctx, [h1Link, h2Link]), [])
  })
})

/** Why IPv6 NAT cannot be tested here, or undefined (tried in a throwaway namespace). */
async function ip6NatMissing(): Promise<string | undefined> {
  const r = await run(['unshare', '--net', 'ip6tables', '-w', '-t', 'nat', '-S'], { allowFailure: true })
  return r.exitCode === 0 ? undefined : `ip6tables nat table unavailable: ${(r.stderr || r.stdout).trim()}`
}

describe('IPv6 nat', () => {
  test('1:1 nat with ip6tables: traffic to the link address reaches the nat address', async (t) => {
    const missing = await ip6NatMissing()
    if (missing) return t.skip(missing)
    const { ctx } = await netCtx([linux('h17nat')])
    const [s, c] = await Promise.all([container('h17ns'), container('h17nc')])
    await inside(s, ['ip', 'addr', 'add', 'fd00:99::1/128', 'dev', 'lo', 'nodad'])
    const ls = [instance(s, { bridge: 'h17nat', mac: 'c2:17:00:00:06:01', ip: ['10.17.6.1/24', 'fd00:6::1/64'], nat: 'fd00:99::1' }, { outerEnd: 'h17ns-eth0' })]
    await addContainerLinks(ctx, ls)
    await addContainerLinks(ctx, [instance(c, { bridge: 'h17nat', mac: 'c2:17:00:00:06:02', ip: 'fd00:6::2/64' }, { outerEnd: 'h17nc-eth0' })])
    const stop = httpd(s, 'hello over ipv6', '[fd00:99::1]:80') // listens ONLY on the nat address
    try {
      assert.equal(await fetchFrom(c, 'http://[fd00:6::1]/'), 'hello over ipv6')
    } finally {
      stop()
    }
    const rules = (await inside(s, ['ip6tables-save', '-t', 'nat'])).stdout
    assert.match(rules, /-A PREROUTING -i eth0 -j DNAT --to-destination fd00:99::1/)
    assert.match(rules, /-A POSTROUTING -o eth0 -j SNAT --to-source fd00:6::1/)
    assert.doesNotMatch((await inside(s, ['iptables-save', '-t', 'nat'])).stdout, /DNAT|SNAT/, 'no IPv4 rules for an IPv6 nat')
    await deleteContainerLinks(ctx, ls)
    assert.doesNotMatch((await inside(s, ['ip6tables-save', '-t', 'nat'])).stdout, /DNAT|SNAT/)
  })
})

describe('IPv6 forward', () => {
  test('a port on an IPv6 DOCKER-ETH0 is forwarded to the container, IPv4 too; removed cleanly', async (t) => {
    const missing = await ip6NatMissing()
    if (missing) return t.skip(missing)
    const net = await container('h17-fnet')
    const client = await container('h17fc')
    const ctx: NetContext = { conlinkPid: net.pid, bridges: { h17f: linux('h17f') }, capabilities: await capabilities() }
    // the engine-provided eth0 of the network container (dual-stack), and an outside client on it
    await inside(net, ['ip', 'link', 'add', 'name', 'eth0', 'type', 'veth', 'peer', 'name', 'h17fx', 'netns', String(client.pid)])
    await inside(net, ['ip', 'addr', 'add', '172.30.17.2/24', 'dev', 'eth0'])
    await inside(net, ['ip', 'addr', 'add', 'fd00:30::2/64', 'dev', 'eth0', 'nodad'])
    await inside(net, ['ip', 'link', 'set', 'dev', 'eth0', 'up'])
    await inside(client, ['ip', 'addr', 'add', '172.30.17.1/24', 'dev', 'h17fx'])
    await inside(client, ['ip', 'addr', 'add', 'fd00:30::1/64', 'dev', 'h17fx', 'nodad'])
    await inside(client, ['ip', 'link', 'set', 'dev', 'h17fx', 'up'])
    await inside(net, ['ip', '-6', 'route', 'add', 'fd00:31::/64', 'via', 'fd00:30::1', 'dev', 'eth0'])
    ctx.dockerEth0 = await renameDockerEth0(ctx)
    assert.deepEqual(ctx.dockerEth0, { ip: '172.30.17.2/24', ip6: 'fd00:30::2/64' })
    assert.ok(globals(await addrs(net, 'DOCKER-ETH0')).includes('fd00:30::2/64'), 'the IPv6 address survives the rename')
    const [kept] = await ipJson(net, ['-6', 'route', 'show', 'fd00:31::/64'])
    assert.deepEqual([kept?.dev, kept?.gateway], ['DOCKER-ETH0', 'fd00:30::1'], 'IPv6 routes are kept')
    assert.equal((await inside(net, ['sysctl', '-n', 'net.ipv6.conf.all.forwarding'])).stdout.trim(), '1')
    await createBridges(ctx, Object.values(ctx.bridges))
    const before = await snapshot(net)
    const before6 = (await inside(net, ['ip6tables-save'])).stdout.split('\n').filter((l) => l.startsWith('-A'))
    const node = await container('h17fn')
    const l = [instance(node, { bridge: 'h17f', mac: 'c2:17:00:00:07:01', ip: ['10.17.7.1/24', 'fd00:7::1/64'], forward: [{ 'conlink-port': 1080, port: 80, proto: 'tcp' }] }, { outerEnd: 'h17fn-eth0' })]
    await addContainerLinks(ctx, l)
    const stop = httpd(node, 'hello over ipv6', '80')
    try {
      assert.equal(await fetchFrom(client, 'http://[fd00:30::2]:1080/'), 'hello over ipv6')
      assert.equal(await fetchFrom(client, 'http://172.30.17.2:1080/'), 'hello over ipv6')
    } finally {
      stop()
    }
    await deleteContainerLinks(ctx, l)
    assert.equal(await snapshot(net), before)
    assert.deepEqual((await inside(net, ['ip6tables-save'])).stdout.split('\n').filter((x) => x.startsWith('-A')), before6)
    await restoreDockerEth0(ctx)
    assert.deepEqual(globals(await addrs(net, 'eth0')), ['172.30.17.2/24', 'fd00:30::2/64'], 'eth0 gets its IPv6 address back on exit')
    assert.equal((await ipJson(net, ['-6', 'route', 'show', 'fd00:31::/64']))[0]?.dev, 'eth0')
  })
})

describe('vxlan tunnel with an IPv6 remote', () => {
  test('containers on two hosts joined over an IPv6 underlay ping each other', async (t) => {
    const caps = await capabilities()
    if (!caps.vxlan) return t.skip('kernel lacks vxlan')
    const A = await netCtx([linux('h17vx')])
    const B = await netCtx([linux('h17vx')])
    await inside(A.net, ['ip', 'link', 'add', 'name', 'h17u', 'up', 'type', 'veth', 'peer', 'name', 'h17u', 'netns', String(B.net.pid)])
    await inside(A.net, ['ip', 'addr', 'add', 'fd00:17::1/64', 'dev', 'h17u', 'nodad'])
    await inside(B.net, ['ip', 'link', 'set', 'dev', 'h17u', 'up'])
    await inside(B.net, ['ip', 'addr', 'add', 'fd00:17::2/64', 'dev', 'h17u', 'nodad'])
    const tunnel = (remote: string) => ({ type: 'vxlan' as const, bridge: 'h17vx', remote, vni: 1717, port: 8472, netem: [], 'outer-dev': 'vxlan-1717', origin: { file: 'test.yaml', path: 'tunnels[0]' } })
    await createTunnels(A.ctx, [tunnel('fd00:17::2')])
    await createTunnels(B.ctx, [tunnel('fd00:17::1')])
    const [vx] = await ipJson(A.net, ['-d', 'link', 'show', 'dev', 'vxlan-1717'])
    assert.equal(vx.linkinfo.info_data.remote6, 'fd00:17::2')
    const [a, b] = await Promise.all([container('h17va'), container('h17vb')])
    await addContainerLinks(A.ctx, [instance(a, { bridge: 'h17vx', ip: ['10.17.5.1/24', 'fd00:5::1/64'], mtu: 1400 }, { outerEnd: 'h17va-eth0' })])
    await addContainerLinks(B.ctx, [instance(b, { bridge: 'h17vx', ip: ['10.17.5.2/24', 'fd00:5::2/64'], mtu: 1400 }, { outerEnd: 'h17vb-eth0' })])
    assert.equal((await ping6Once(a, 'fd00:5::2')).exitCode, 0)
    assert.equal((await ping4Once(a, '10.17.5.2')).exitCode, 0)
  })
})
