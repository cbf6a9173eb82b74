// Runtime control, pure parts: LINK parsing and resolution with close
// matches, durations/rates/percentages, impairment plans (netem and tbf argv),
// the status document's shape and --check, events, pcap -> pcapng merging,
// the host form's inner command line.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Flags } from '@oclif/core'
import type { ContainerInfo, LinkInstance, LinkSpec } from '../../src/config/types.js'
import { innerArgv } from '../../src/control/command.js'
import { EventLog, formatEvent } from '../../src/control/events.js'
import { defaultProject } from '../../src/control/host.js'
import { describeImpairment, netemMissing, planImpairClear, planImpairSet, qdiscWords, validateImpairment, type ImpairSide } from '../../src/control/impair.js'
import { closeMatches, editDistance, parseLinkRef, resolveLinkRef, type LinkTarget } from '../../src/control/link-ref.js'
import { PcapngMerger, PcapReader } from '../../src/control/pcap.js'
import { impairmentFrom } from '../../src/control/server.js'
import { buildStatus, formatStatus, statusProblems, type KernelLink } from '../../src/control/status.js'
import { formatDuration, formatRate, parseDuration, parsePercent, parseRate } from '../../src/control/units.js'
import { describeOp } from '../../src/net/ops.js'

const usageError = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (e: Error & { exitCode?: number }) => message.test(e.message) && e.exitCode === 2)

describe('LINK arguments', () => {
  it('parses SERVICE:DEV and CONTAINER:DEV, with an optional index', () => {
    assert.deepEqual(parseLinkRef('h1:eth0'), { name: 'h1', dev: 'eth0' })
    assert.deepEqual(parseLinkRef('proj_node_2:eth-s1', 2), { name: 'proj_node_2', dev: 'eth-s1', index: 2 })
  })

  it('refuses what is not a link, with exit 2', () => {
    for (const bad of ['h1', 'h1:', ':eth0', 'h1:eth 0', 'h1:a/b', '-p:eth0', 'h1:0123456789abcdef']) usageError(() => parseLinkRef(bad), /is not a link/)
    usageError(() => parseLinkRef('h1:eth0', 0), /not a replica index/)
  })

  const targets: LinkTarget[] = [
    { id: 'p_node_1:eth0', container: 'p_node_1', service: 'node', index: 1, dev: 'eth0' },
    { id: 'p_node_2:eth0', container: 'p_node_2', service: 'node', index: 2, dev: 'eth0' },
    { id: 'p_h1_1:eth0', container: 'p_h1_1', service: 'h1', index: 1, dev: 'eth0' },
    { id: 'solo:eth1', container: 'solo', index: 1, dev: 'eth1' },
  ]

  it('a service means all its replicas; --index picks one; a container name picks it', () => {
    assert.deepEqual(resolveLinkRef(targets, parseLinkRef('node:eth0')).map((t) => t.id), ['p_node_1:eth0', 'p_node_2:eth0'])
    assert.deepEqual(resolveLinkRef(targets, parseLinkRef('node:eth0', 2)).map((t) => t.id), ['p_node_2:eth0'])
    assert.deepEqual(resolveLinkRef(targets, parseLinkRef('p_node_1:eth0')).map((t) => t.id), ['p_node_1:eth0'])
    assert.deepEqual(resolveLinkRef(targets, parseLinkRef('solo:eth1')).map((t) => t.id), ['solo:eth1'])
  })

  it('an unknown name fails with exit 2 and the close matches', () => {
    usageError(() => resolveLinkRef(targets, parseLinkRef('nod:eth0')), /unknown link nod:eth0/)
    assert.throws(() => resolveLinkRef(targets, parseLinkRef('nod:eth0')), (e: Error & { hint?: string }) => /did you mean node:eth0/.test(e.hint!))
    assert.throws(() => resolveLinkRef(targets, parseLinkRef('h1:eth9')), (e: Error & { hint?: string }) => /did you mean h1:eth0/.test(e.hint!))
    assert.throws(() => resolveLinkRef(targets, parseLinkRef('zzzzzzzz:q')), (e: Error & { hint?: string }) => /^known links: h1:eth0, node:eth0/.test(e.hint!))
    usageError(() => resolveLinkRef(targets, parseLinkRef('node:eth0', 7)), /node:eth0 has no replica 7/)
  })

  it('a configured link with no running container says so (exit 1)', () => {
    assert.throws(
      () => resolveLinkRef(targets, parseLinkRef('h2:eth0'), new Set(['h2:eth0'])),
      (e: Error & { exitCode?: number }) => /configured but no container of it is running/.test(e.message) && e.exitCode === 1,
    )
  })

  it('close matches: small edit distance or containment, best first', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3)
    assert.deepEqual(closeMatches('h1:eth1', ['h1:eth0', 'h2:eth0', 'r0:eth-s1', 'web:eth0']), ['h1:eth0', 'h2:eth0'])
    assert.deepEqual(closeMatches('r0:eth', ['r0:eth-s1', 'r0:eth-s2', 'x:y']), ['r0:eth-s1', 'r0:eth-s2'])
    assert.deepEqual(closeMatches('abc', ['xyzxyz']), [])
  })
})

describe('durations, rates, percentages', () => {
  it('durations need a unit', () => {
    assert.equal(parseDuration('250ms'), 250)
    assert.equal(parseDuration('1.5s'), 1500)
    assert.equal(parseDuration('2m'), 120_000)
    assert.equal(parseDuration('100us'), 0.1)
    for (const bad of ['5', '5x', '-1s', '1 s', '', 'ms', '2h']) usageError(() => parseDuration(bad, '--down'), /--down: '.*' is not valid/)
    usageError(() => parseDuration('61m', '--up'), /is not valid/)
    assert.equal(formatDuration(100), '100ms')
    assert.equal(formatDuration(0.5), '500us')
  })

  it('rates in tc units (bit/s and byte/s)', () => {
    assert.equal(parseRate('1mbit'), 1_000_000)
    assert.equal(parseRate('500kbit'), 500_000)
    assert.equal(parseRate('10mbps'), 80_000_000)
    assert.equal(parseRate('2.5Gbit'), 2_500_000_000)
    for (const bad of ['fast', '1', '1mb', '0bit', '1 mbit', '-1mbit']) usageError(() => parseRate(bad), /--rate: '.*' is not valid/)
    assert.equal(formatRate(1_000_000), '1mbit')
    assert.equal(formatRate(1500), '1500bit')
  })

  it('percentages 0..100', () => {
    assert.equal(parsePercent('5%', '--loss'), 5)
    assert.equal(parsePercent('0.5', '--loss'), 0.5)
    for (const bad of ['101%', 'x', '-1%', '5%%']) usageError(() => parsePercent(bad, '--loss'), /--loss/)
  })

  it('the API takes the same strings as the CLI', () => {
    assert.deepEqual(impairmentFrom({ delay: '100ms', jitter: '10ms', loss: '1%', rate: '1mbit', direction: 'to' }), {
      impairment: { delay: 100, jitter: 10, loss: 1, rate: 1_000_000 },
      direction: 'to',
    })
    usageError(() => impairmentFrom({ direction: 'sideways' }), /--direction sideways is not one of to, from, both/)
  })
})

describe('impairment plans', () => {
  const outer: ImpairSide = { ns: 'conlink', dev: 'h1_1-eth0', owner: 'p_h1_1:eth0', mtu: 65535 }
  const inner: ImpairSide = { ns: 4242, dev: 'eth0', owner: 'p_h1_1:eth0', mtu: 1500 }

  it('netem options in tc order on the root qdisc', () => {
    const ops = planImpairSet(outer, { delay: 100, jitter: 10, loss: 5, corrupt: 1, duplicate: 2, reorder: 25, rate: 1e6 }, true)
    assert.deepEqual(ops.map(describeOp), [
      '[network] tc qdisc replace dev h1_1-eth0 root netem delay 100ms 10ms loss 5% corrupt 1% duplicate 2% reorder 25% rate 1mbit',
    ])
  })

  it('a rate alone: netem when the kernel has it, else tbf with a bucket of at least one packet', () => {
    assert.deepEqual(qdiscWords({ rate: 1e6 }, outer, true), ['netem', 'rate', '1mbit'])
    assert.deepEqual(qdiscWords({ rate: 1e6 }, outer, false), ['tbf', 'rate', '1mbit', 'burst', '65599', 'latency', '200ms'])
    assert.deepEqual(planImpairSet(inner, { rate: 1e9 }, false).map(describeOp), [
      '[pid 4242] tc qdisc replace dev eth0 root tbf rate 1gbit burst 2500000 latency 200ms',
    ])
  })

  it('clear: back to the config netem, or no root qdisc', () => {
    assert.deepEqual(planImpairClear(inner, ['delay 10ms', 'loss 1%']).map(describeOp), ['[pid 4242] tc qdisc replace dev eth0 root netem delay 10ms loss 1%'])
    assert.deepEqual(planImpairClear(outer).map(describeOp), ['[network] tc qdisc del dev h1_1-eth0 root'])
  })

  it('validation and the missing-netem error', () => {
    usageError(() => validateImpairment({}), /no impairment given/)
    usageError(() => validateImpairment({ jitter: 5 }), /--jitter needs --delay/)
    usageError(() => validateImpairment({ reorder: 5 }), /--reorder needs --delay/)
    const e = netemMissing({ delay: 1, loss: 2 }, 'h1:eth0')
    assert.match(e.describe(), /--delay, --loss on h1:eth0 needs the kernel's netem qdisc \(module sch_netem\), which this kernel lacks/)
    assert.equal(describeImpairment({ delay: 100, loss: 1, rate: 2e6 }), 'delay 100ms loss 1% rate 2mbit')
  })
})

function instance(container: Partial<ContainerInfo>, link: Partial<LinkSpec>): LinkInstance {
  const spec: LinkSpec = { type: 'veth', service: 'h1', dev: 'eth0', bridge: 's1', route: [], netem: [], forward: [], ethtool: [], base: 'conlink', origin: { file: 'c.yaml', path: 'links[0]' }, ...link }
  const info: ContainerInfo = { id: 'a'.repeat(64), name: 'p_h1_1', pid: 100, project: 'p', service: 'h1', index: 1, ...container }
  return { link: spec, container: info, dev: spec.dev, outerEnd: 'h1_1-eth0', ip: '10.0.0.1/24', mac: 'c2:00:00:00:00:01', mtu: 1500, forward: [] }
}

const upLink = (over: Partial<KernelLink> = {}): KernelLink => ({
  ifname: 'eth0', flags: ['BROADCAST', 'UP', 'LOWER_UP'], operstate: 'UP', mtu: 1500, address: 'c2:00:00:00:00:01', qdisc: 'noqueue',
  linkinfo: { info_kind: 'veth' }, addr_info: [{ family: 'inet', local: '10.0.0.1', prefixlen: 24 }],
  stats64: { rx: { bytes: 10, packets: 1, dropped: 0 }, tx: { bytes: 20, packets: 2, dropped: 3 } }, ...over,
})
const outerUp: KernelLink = { ifname: 'h1_1-eth0', flags: ['UP', 'LOWER_UP'], operstate: 'UP', master: 's1' }
const bridge: KernelLink = { ifname: 's1', flags: ['UP'], operstate: 'UP' }
const s1 = { bridge: 's1', mode: 'auto' as const, 'resolved-mode': 'linux' as const }

describe('status document', () => {
  it('has the documented shape; a healthy link has no problems', () => {
    const doc = buildStatus(
      { instances: [{ inst: instance({}, {}), wiring: 'connected', down: false, links: [upLink()], routes: [] }], notRunning: [], bridges: [s1], tunnels: [], outer: [outerUp, bridge] },
      new Date('2026-01-01T00:00:00Z'),
    )
    assert.deepEqual(doc, {
      version: 1,
      time: '2026-01-01T00:00:00.000Z',
      summary: { links: 1, up: 1, down: 0, problems: 0, bridges: 1, tunnels: 0, ok: true },
      links: [{
        name: 'h1:eth0', link: 'p_h1_1:eth0', container: 'p_h1_1', service: 'h1', index: 1, dev: 'eth0', kind: 'veth', bridge: 's1', outer: 'h1_1-eth0', wiring: 'connected',
        desired: { state: 'up', ip: ['10.0.0.1/24'], mtu: 1500, mac: 'c2:00:00:00:00:01' },
        actual: { exists: true, state: 'UP', carrier: true, addresses: ['10.0.0.1/24'], mtu: 1500, mac: 'c2:00:00:00:00:01', qdisc: 'noqueue', outer: { exists: true, state: 'UP', carrier: true } },
        stats: { rx: { bytes: 10, packets: 1, dropped: 0 }, tx: { bytes: 20, packets: 2, dropped: 3 } },
        impairment: { to: null, from: null, config: null }, error: null, problems: [],
      }],
      bridges: [{ bridge: 's1', mode: 'linux', exists: true, state: 'UP' }],
      tunnels: [],
    })
    assert.deepEqual(statusProblems(doc), [])
    assert.match(formatStatus(doc), /^LINK +CONTAINER .*\nh1:eth0 +p_h1_1 +veth +s1 +h1_1-eth0 +up +10\.0\.0\.1\/24 +1500 +10B +20B +3 +-\n/)
  })

  it('--check: down without being asked, not running, missing bridge; down as asked is fine', () => {
    const noCarrier = upLink({ flags: ['UP'], operstate: 'LOWERLAYERDOWN' })
    const doc = buildStatus({
      instances: [
        { inst: instance({}, {}), wiring: 'connected', down: false, links: [noCarrier], routes: [] },
        { inst: instance({ name: 'p_h1_2', index: 2, pid: 101 }, {}), wiring: 'connected', down: true, links: [noCarrier], routes: [], impairment: { to: { rate: 1e6 } } },
      ],
      notRunning: [{ name: 'h2:eth0', type: 'veth', bridge: 's2' }],
      bridges: [s1, { bridge: 's2', mode: 'linux', 'resolved-mode': 'linux' }],
      tunnels: [],
      outer: [outerUp, bridge],
    })
    assert.equal(doc.summary.ok, false)
    assert.deepEqual(statusProblems(doc), [
      'p_h1_1:eth0: down (state LOWERLAYERDOWN, no carrier)',
      'p_h1_2:eth0: asked to be down, but the outer end is up',
      'h2:eth0: no running container',
      'bridge s2: missing in the network container',
    ])
    assert.deepEqual(doc.links[1].impairment, { to: { rate: '1mbit' }, from: null, config: null })
    assert.equal(doc.links[2].wiring, 'not-running')
    assert.match(formatStatus(doc), /3 links: 0 up, 1 down as asked, 3 with problems; 2 bridges, 0 tunnels: NOT OK/)
  })

  it('a gone namespace and a failed wiring are problems', () => {
    const doc = buildStatus({
      instances: [{ inst: instance({}, {}), wiring: 'failed', error: 'boom', down: false, links: [], routes: [] }],
      notRunning: [], bridges: [], tunnels: [], outer: [],
    })
    assert.deepEqual(doc.links[0].problems, ['missing in the container', 'wiring failed: boom'])
    assert.equal(doc.links[0].error, 'boom')
  })
})

describe('events', () => {
  it('are kept (bounded) and pushed to subscribers', () => {
    const log = new EventLog(2)
    const seen: string[] = []
    const off = log.subscribe((e) => seen.push(e.type))
    log.emit('created', 'c', 'eth0')
    log.emit('down', 'c', 'eth0', 'flap 1/1')
    off()
    log.emit('up', 'c', 'eth0')
    assert.deepEqual(seen, ['created', 'down'])
    const kept = log.history()
    assert.deepEqual(kept.map((e) => [e.type, e.link, e.container, e.dev]), [['down', 'c:eth0', 'c', 'eth0'], ['up', 'c:eth0', 'c', 'eth0']])
    assert.match(kept[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    assert.match(formatEvent(kept[0]), /Z down +c:eth0 {2}flap 1\/1$/)
  })
})

function pcapStream(packets: Buffer[], linktype = 1): Buffer {
  const head = Buffer.alloc(24)
  head.writeUInt32LE(0xa1b2c3d4, 0)
  head.writeUInt16LE(2, 4)
  head.writeUInt16LE(4, 6)
  head.writeUInt32LE(262144, 16)
  head.writeUInt32LE(linktype, 20)
  return Buffer.concat([head, ...packets.map((data, i) => {
    const h = Buffer.alloc(16)
    h.writeUInt32LE(1000 + i, 0)
    h.writeUInt32LE(5, 4)
    h.writeUInt32LE(data.length, 8)
    h.writeUInt32LE(data.length, 12)
    return Buffer.concat([h, data])
  })])
}

describe('pcap to pcapng', () => {
  it('reads pcap in any chunking', () => {
    const seen: number[] = []
    const r = new PcapReader(() => undefined, (p) => seen.push(p.data.length))
    const bytes = pcapStream([Buffer.alloc(3), Buffer.alloc(60)])
    for (let i = 0; i < bytes.length; i += 7) r.push(bytes.subarray(i, i + 7))
    assert.deepEqual(seen, [3, 60])
    assert.equal(r.header?.linktype, 1)
  })

  it('merges streams: section, one named interface per link, then packets; stops at count', () => {
    const chunks: Buffer[] = []
    let done = 0
    const m = new PcapngMerger(['a:eth0', 'b:eth0'], (b) => chunks.push(b), 3, () => done++)
    m.push(0, pcapStream([Buffer.from('xyz')]))
    assert.equal(chunks.length, 0, 'waits for every header')
    m.push(1, pcapStream([Buffer.from('12345'), Buffer.from('6'), Buffer.from('7')]))
    const out = Buffer.concat(chunks)
    const blocks: Array<[type: number, at: number]> = []
    for (let at = 0; at < out.length; at += out.readUInt32LE(at + 4)) blocks.push([out.readUInt32LE(at), at])
    assert.deepEqual(blocks.map(([type]) => type), [0x0a0d0d0a, 1, 1, 6, 6, 6])
    assert.ok(out.includes(Buffer.from('a:eth0')) && out.includes(Buffer.from('b:eth0')))
    assert.equal(done, 1)
    const firstEpb = blocks[3][1]
    assert.equal(out.readUInt32LE(firstEpb + 8), 0, 'the first packet is from interface 0')
    const ts = (BigInt(out.readUInt32LE(firstEpb + 12)) << 32n) + BigInt(out.readUInt32LE(firstEpb + 16))
    assert.equal(ts, 1000n * 1_000_000n + 5n)
  })
})

describe('host form', () => {
  it('the inner command line keeps the command flags and arguments, not the ones that found the container', () => {
    const defs = {
      project: Flags.string(), container: Flags.string(), 'control-socket': Flags.string(), verbose: Flags.boolean(),
      count: Flags.integer(), write: Flags.string(), follow: Flags.boolean({ allowNo: true }), json: Flags.boolean(),
    }
    const flags = { project: 'demo', container: undefined, 'control-socket': '/run/conlink/control.sock', verbose: false, count: 3, write: '-', follow: false, json: true }
    assert.deepEqual(innerArgv('capture', defs as never, flags, ['h1:eth0', 'h2:eth0'], ['icmp', 'and', 'host', '10.0.0.1']), [
      'capture', '--control-socket', '/run/conlink/control.sock', '--count', '3', '--write', '-', '--no-follow', '--json',
      'h1:eth0', 'h2:eth0', '--', 'icmp', 'and', 'host', '10.0.0.1',
    ])
    assert.deepEqual(innerArgv('link:down', defs as never, { verbose: true }, ['h1:eth0']), ['link', 'down', '--verbose', 'h1:eth0'])
  })

  it('the default project is compose\'s: COMPOSE_PROJECT_NAME, else the directory name normalised', () => {
    assert.equal(defaultProject({ COMPOSE_PROJECT_NAME: 'demo' }, '/x/y'), 'demo')
    assert.equal(defaultProject({}, '/home/me/My.Project-1'), 'myproject-1')
  })
})

describe('web page', () => {
  it('listen addresses: loopback or explicit, HOST:PORT', async () => {
    const { parseListen, isLoopback, allowedHosts } = await import('../../src/control/web.js')
    assert.deepEqual(parseListen('127.0.0.1:8088'), { host: '127.0.0.1', port: 8088 })
    assert.deepEqual(parseListen('[::1]:9000'), { host: '::1', port: 9000 })
    for (const bad of ['8088', '127.0.0.1:', 'a b:1', '1.2.3.4:70000']) usageError(() => parseListen(bad), /is not HOST:PORT/)
    assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('localhost') && !isLoopback('0.0.0.0'))
    assert.deepEqual([...allowedHosts({ host: '127.0.0.1', port: 8088 })], ['localhost:8088', '127.0.0.1:8088', '[::1]:8088'])
    assert.deepEqual([...allowedHosts({ host: '10.1.2.3', port: 80 })], ['10.1.2.3:80'])
  })

  it('requests: our Host only; changes from our own page only', async () => {
    const { refusal, allowedHosts } = await import('../../src/control/web.js')
    const hosts = allowedHosts({ host: '127.0.0.1', port: 8088 })
    assert.equal(refusal('GET', { host: '127.0.0.1:8088' }, hosts), undefined)
    assert.match(refusal('GET', { host: 'evil.example:8088' }, hosts)!, /host evil.example:8088 is not this server/)
    assert.equal(refusal('POST', { host: 'localhost:8088', origin: 'http://localhost:8088', 'sec-fetch-site': 'same-origin' }, hosts), undefined)
    assert.match(refusal('POST', { host: 'localhost:8088', origin: 'http://evil.example' }, hosts)!, /only from this page/)
    assert.match(refusal('POST', { host: 'localhost:8088' }, hosts)!, /origin none/)
    assert.match(refusal('DELETE', { host: 'localhost:8088', origin: 'http://localhost:8088', 'sec-fetch-site': 'cross-site' }, hosts)!, /sec-fetch-site cross-site/)
  })

  it('link edges are marked with data-name/data-link/data-state; the page is self-contained', async () => {
    const { edgeLinkName, graphPage, markLinkEdges } = await import('../../src/graph/html.js')
    assert.equal(edgeLinkName('svc/h1/eth0&#45;&#45;outer/h1_1&#45;eth0'), 'h1:eth0')
    assert.equal(edgeLinkName('ctr/t3&#45;node1/ext&#45;intf&#45;&#45;outer/x'), 't3-node1:ext-intf')
    assert.equal(edgeLinkName('outer/vxlan&#45;1&#45;&#45;remote/10.0.0.1'), undefined)
    const svg = '<svg><g id="edge1" class="edge">\n<title>svc/h1/eth0&#45;&#45;outer/h1_1&#45;eth0</title><path/></g><g id="edge2" class="edge">\n<title>outer/a&#45;&#45;remote/b</title></g></svg>'
    const marked = markLinkEdges(svg)
    assert.match(marked, /<g id="edge1" class="edge conlink-link" data-name="h1:eth0" data-link="h1:eth0" data-state="configured">/)
    assert.match(marked, /<g id="edge2" class="edge">/)
    const page = graphPage(marked, { title: 'a <b>' })
    assert.match(page, /^<!DOCTYPE html>/)
    assert.match(page, /<title>a &lt;b&gt;<\/title>/)
    assert.doesNotMatch(page, /<script|src=|href=/)
  })
})

describe('net2dot --format html', () => {
  it('writes a self-contained page of T1 with every link marked', async () => {
    const { renderNetworkGraph } = await import('../../src/graph/index.js')
    const options = { composeFiles: [new URL('../../examples/test1-compose.yaml', import.meta.url).pathname], networkFiles: [], defaultBridgeMode: 'linux' as const, defaultMtu: 65535, keepVethOffload: false }
    const html = await renderNetworkGraph({ options, format: 'html' })
    const names = [...html.matchAll(/data-name="([^"]+)"/g)].map((m) => m[1]).sort()
    assert.deepEqual(names, ['h1:eth0', 'h2:eth0', 'h3:eth0', 'r0:eth-s1', 'r0:eth-s2', 'r0:eth-s3'])
    assert.match(html, /<svg[\s\S]*<\/svg>/)
    assert.doesNotMatch(html.replace(/xmlns(:xlink)?="[^"]*"/g, ''), /https?:\/\//)
  })
})
