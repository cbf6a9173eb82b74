// Failures are attributed to the operation that failed, on real namespaces:
// two containers wired in one call (one batch per namespace), one of them
// failing. The other must be wired; the error must name the failing op, not
// the first op of its batch; the failing container is left with only lo.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { BridgeSpec, LinkInstance } from '../../src/config/types.js'
import { addLinksForContainers, createBridges, deleteBridges, deleteLinksForContainers, type NetContext } from '../../src/net/index.js'
import { capabilities, inside, instance, ipJson, ping, type FakeContainer, containerStarter } from './ns.js'

const container = containerStarter()

const bridge: BridgeSpec = { bridge: 'h3s1', mode: 'linux', 'resolved-mode': 'linux' }
let ctx: NetContext
before(async () => {
  const net = await container('h3-net')
  ctx = { conlinkPid: net.pid, bridges: { h3s1: bridge }, capabilities: await capabilities() }
  await createBridges(ctx, [bridge])
})
after(async () => {
  if (ctx) await deleteBridges(ctx, [bridge])
})

const names = async (c: FakeContainer) => (await ipJson(c, ['link', 'show'])).map((l: any) => l.ifname)

/** Wire a (failing) and b (fine) in one call; returns a's error message after checking b works and a is clean. */
async function wireBoth(tag: string, bad: (a: FakeContainer) => LinkInstance[], good: (b: FakeContainer) => LinkInstance[]): Promise<string> {
  const [a, b] = await Promise.all([container(`h3${tag}a`), container(`h3${tag}b`)])
  const [la, lb] = [bad(a), good(b)]
  const results = await addLinksForContainers(ctx, [la, lb])
  try {
    assert.equal(results.get(b.id), undefined, `b is wired: ${results.get(b.id)?.message}`)
    assert.deepEqual((await names(b)).sort(), ['eth0', 'lo'])
    const [eth0] = await ipJson(b, ['addr', 'show', 'dev', 'eth0'])
    assert.ok(eth0.addr_info.some((x: any) => x.local === String(lb[0].ip).split('/')[0]), 'b has its address')
    const err = results.get(a.id)
    assert.ok(err, 'a failed')
    assert.deepEqual(await names(a), ['lo'], 'a was undone completely')
    const outers = (await ipJson({ pid: ctx.conlinkPid! }, ['link', 'show'])).map((l: any) => l.ifname)
    assert.ok(!outers.some((n: string) => n.startsWith(`h3${tag}a`)), `a's outer end is gone: ${outers.join(' ')}`)
    return err.message
  } finally {
    await deleteLinksForContainers(ctx, [la, lb])
  }
}

const veth = (c: FakeContainer, ip: string, link: Record<string, unknown> = {}, over: Partial<LinkInstance> = {}) =>
  instance(c, { bridge: 'h3s1', ip, ...link }, { outerEnd: `${c.name}-${(link.dev as string) ?? 'eth0'}`, ...over })

describe('one batch, two containers, one failing', () => {
  test('an ip batch that stops on a bad line in the network namespace (create round)', async () => {
    // a word `ip` cannot parse stops the whole batch (validation would refuse it; the executor must cope anyway)
    const msg = await wireBoth('m', (a) => [veth(a, '10.0.8.1/24', {}, { mtu: 'bogus' as unknown as number })], (b) => [veth(b, '10.0.8.2/24')])
    assert.match(msg, /^cannot create veth link h3ma:eth0: \[network\] ip link add name h3ma-eth0 mtu bogus .*: Error: argument "bogus" is wrong: Invalid "mtu" value/)
  })

  test('an ip batch that stops on a bad route in the container names the route, not the address', async () => {
    const msg = await wireBoth(
      'r',
      (a) => [veth(a, '10.0.9.1/24', { route: ['10.9.0.0/16 via 10.0.9.254', '10.8.0.0/24 via bogus'] })],
      (b) => [veth(b, '10.0.9.2/24', { route: ['10.9.0.0/16 via 10.0.9.254'] })],
    )
    assert.match(msg, /^cannot create veth link h3ra:eth0: \[pid \d+\] ip route add 10\.8\.0\.0\/24 via bogus dev eth0: Error: .*"bogus"/)
  })

  test('the lines after the one that stopped a batch still run (b ends up with every route)', async () => {
    const [a, b] = await Promise.all([container('h3ka'), container('h3kb')])
    // a's ops are first in the shared network-namespace batch; b's come after the stop
    const la = [veth(a, '10.0.10.1/24', {}, { mtu: 'bogus' as unknown as number })]
    const lb = [veth(b, '10.0.10.2/24', { route: ['10.9.0.0/16 via 10.0.10.254', '10.7.0.0/16 via 10.0.10.254'] })]
    try {
      const results = await addLinksForContainers(ctx, [la, lb])
      assert.equal(results.get(b.id), undefined)
      const routes = (await ipJson(b, ['route', 'show'])).map((r: any) => r.dst).sort()
      assert.deepEqual(routes, ['10.0.10.0/24', '10.7.0.0/16', '10.9.0.0/16'])
      const c = await container('h3kc')
      const lc = [veth(c, '10.0.10.3/24')]
      assert.deepEqual([...(await addLinksForContainers(ctx, [lc])).values()], [undefined])
      assert.ok(await ping(b, '10.0.10.3'), 'b is on the bridge')
      await deleteLinksForContainers(ctx, [lc])
    } finally {
      await deleteLinksForContainers(ctx, [la, lb])
    }
  })

  test('a bad ethtool entry in a grouped ethtool run names that entry', async () => {
    const msg = await wireBoth(
      'e',
      (a) => [veth(a, '10.0.11.1/24', { ethtool: ['--offload tx off', '--offload rx off', '--offload bogus off'] })],
      (b) => [veth(b, '10.0.11.2/24', { ethtool: ['--offload tx off', '--offload rx off'] })],
    )
    assert.match(msg, /^cannot create veth link h3ea:eth0: \[pid \d+\] ethtool --offload eth0 bogus off: /)
  })

  test('an iptables rule that fails names that rule, not the first rule of the run', async () => {
    const msg = await wireBoth(
      'i',
      (a) => [veth(a, '10.0.12.1/24', { nat: '10.99.0.1' }), veth(a, '10.0.13.1/24', { dev: 'eth1', nat: 'bogus' })],
      (b) => [veth(b, '10.0.12.2/24', { nat: '10.99.0.2' })],
    )
    assert.match(msg, /^cannot create veth link h3ia:eth1: \[pid \d+\] iptables -w -t nat -A PREROUTING -i eth1 -j DNAT --to-destination bogus: .*bogus/)
  })

  test('the good container of the iptables case kept its nat rules; the failing one has none', async () => {
    const [a, b] = await Promise.all([container('h3ja'), container('h3jb')])
    const la = [veth(a, '10.0.14.1/24', { nat: '10.99.0.1' }), veth(a, '10.0.15.1/24', { dev: 'eth1', nat: 'bogus' })]
    const lb = [veth(b, '10.0.14.2/24', { nat: '10.99.0.2' })]
    try {
      const results = await addLinksForContainers(ctx, [la, lb])
      assert.ok(results.get(a.id))
      assert.equal(results.get(b.id), undefined)
      const rules = (c: FakeContainer) => inside(c, ['iptables-save', '-t', 'nat']).then((r) => r.stdout.split('\n').filter((l) => l.startsWith('-A')))
      assert.deepEqual(await rules(a), [], 'a: the rules of eth0 that went in were undone')
      assert.deepEqual(await rules(b), ['-A PREROUTING -i eth0 -j DNAT --to-destination 10.99.0.2', '-A POSTROUTING -o eth0 -j SNAT --to-source 10.0.14.2'])
    } finally {
      await deleteLinksForContainers(ctx, [la, lb])
    }
  })
})
