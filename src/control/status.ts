// `conlink status`: desired (config + runtime overrides) against actual
// (kernel) for every configured link instance, bridge and tunnel. Building
// the document from kernel readings is pure; the plane does the reading.
import type { BridgeSpec, LinkInstance, TunnelSpec } from '../config/types.js'
import { diffInstance } from '../net/check.js'
import { BRIDGE_FACTS, LINK_FACTS } from '../net/links/facts.js'
import { impairmentJson, type LinkImpairment } from './impair.js'
import { addressList } from '../config/address.js'

/** What `ip -j -s -d addr|link show` reports for one interface (the parts used). */
export interface KernelLink {
  ifname: string
  flags?: string[]
  operstate?: string
  mtu?: number
  address?: string
  master?: string
  qdisc?: string
  linkinfo?: { info_kind?: string; info_data?: { id?: number } }
  addr_info?: Array<{ family?: string; local: string; prefixlen: number }>
  stats64?: { rx?: Counters; tx?: Counters }
}
interface Counters {
  bytes?: number
  packets?: number
  dropped?: number
}
export interface KernelRoute {
  dst: string
  dev?: string
  gateway?: string
}

export type Wiring = 'connected' | 'pending' | 'failed' | 'not-running'

/** One wired instance and what the plane knows about it. */
export interface InstanceInput {
  inst: LinkInstance
  wiring: Exclude<Wiring, 'not-running'>
  error?: string
  down: boolean
  impairment?: LinkImpairment
  /** The container's interfaces and routes; undefined = its namespace could not be read. */
  links?: KernelLink[]
  routes?: KernelRoute[]
}

export interface StatusInput {
  instances: InstanceInput[]
  /** Configured links (`service:dev`, `container:dev`) with no wired instance. */
  notRunning: Array<{ name: string; type: string; bridge?: string }>
  bridges: BridgeSpec[]
  tunnels: TunnelSpec[]
  /** Interfaces of the network container. */
  outer: KernelLink[]
}

interface SideState {
  exists: boolean
  state: string | null
  carrier: boolean | null
}

export interface LinkStatus {
  /** `service:dev` or `container:dev`, as configured. */
  name: string
  /** `container:dev`, null when no container runs. */
  link: string | null
  container: string | null
  service: string | null
  index: number | null
  dev: string
  kind: string
  bridge: string | null
  outer: string | null
  wiring: Wiring
  desired: { state: 'up' | 'down'; ip: string[]; mtu: number | null; mac: string | null }
  actual: (SideState & { addresses: string[]; mtu: number | null; mac: string | null; qdisc: string | null; outer: SideState | null }) | null
  stats: { rx: Required<Counters>; tx: Required<Counters> } | null
  impairment: { to: Record<string, string> | null; from: Record<string, string> | null; config: string | null }
  error: string | null
  problems: string[]
}

export interface BridgeStatus {
  bridge: string
  mode: string
  exists: boolean | null
  state: string | null
}

export interface TunnelStatus {
  tunnel: string
  type: string
  bridge: string
  remote: string
  vni: number
  exists: boolean
  state: string | null
}

export interface StatusDocument {
  version: 1
  time: string
  summary: { links: number; up: number; down: number; problems: number; bridges: number; tunnels: number; ok: boolean }
  links: LinkStatus[]
  bridges: BridgeStatus[]
  tunnels: TunnelStatus[]
}

const carrierOf = (l: KernelLink): boolean => (l.flags ?? []).includes('LOWER_UP')
const adminUp = (l: KernelLink): boolean => (l.flags ?? []).includes('UP')

function sideState(l: KernelLink | undefined): SideState {
  return l ? { exists: true, state: l.operstate ?? null, carrier: carrierOf(l) } : { exists: false, state: null, carrier: null }
}

function counters(c: Counters | undefined): Required<Counters> {
  return { bytes: c?.bytes ?? 0, packets: c?.packets ?? 0, dropped: c?.dropped ?? 0 }
}

function configName(inst: LinkInstance): string {
  return `${inst.link.service ?? inst.link.container}:${inst.dev}`
}

function instanceStatus(input: InstanceInput, outer: KernelLink[], bridges: Map<string, BridgeSpec>): LinkStatus {
  const { inst } = input
  const dev = input.links?.find((l) => l.ifname === inst.dev)
  const hasOuterEnd = LINK_FACTS[inst.link.type].hasOuterEnd
  const outerLink = hasOuterEnd ? outer.find((l) => l.ifname === inst.outerEnd) : undefined
  const mode = inst.link.bridge ? bridges.get(inst.link.bridge)?.['resolved-mode'] : undefined
  const problems = !input.links
    ? ['container namespace is gone']
    : diffInstance(inst, input.links, input.routes ?? [], hasOuterEnd ? outer : undefined, mode)
  if (dev && input.down && outerLink && adminUp(outerLink)) problems.push('asked to be down, but the outer end is up')
  if (dev && !input.down && !carrierOf(dev)) problems.push(`down (state ${dev.operstate ?? 'unknown'}, no carrier)`)
  if (input.wiring === 'failed' && input.error) problems.push(`wiring failed: ${input.error}`)
  const baseline = inst.link.netem.join(' ')
  const s = dev?.stats64
  return {
    name: configName(inst),
    link: `${inst.container.name}:${inst.dev}`,
    container: inst.container.name,
    service: inst.container.service ?? null,
    index: inst.container.index,
    dev: inst.dev,
    kind: inst.link.type,
    bridge: inst.link.bridge ?? null,
    outer: inst.outerEnd ?? inst.parent ?? null,
    wiring: input.wiring,
    desired: { state: input.down ? 'down' : 'up', ip: addressList(inst.ip), mtu: inst.mtu ?? null, mac: inst.mac ?? null },
    actual: dev
      ? {
          ...sideState(dev),
          addresses: (dev.addr_info ?? []).filter((a) => a.family !== 'inet6' || !a.local.startsWith('fe80')).map((a) => `${a.local}/${a.prefixlen}`),
          mtu: dev.mtu ?? null,
          mac: dev.address ?? null,
          qdisc: dev.qdisc ?? null,
          outer: hasOuterEnd ? sideState(outerLink) : null,
        }
      : null,
    stats: s ? { rx: counters(s.rx), tx: counters(s.tx) } : null,
    impairment: {
      to: input.impairment?.to ? impairmentJson(input.impairment.to) : null,
      from: input.impairment?.from ? impairmentJson(input.impairment.from) : null,
      config: baseline || null,
    },
    error: input.error ?? null,
    problems,
  }
}

function notRunningStatus(entry: StatusInput['notRunning'][number]): LinkStatus {
  const dev = entry.name.slice(entry.name.indexOf(':') + 1)
  return {
    name: entry.name, link: null, container: null, service: null, index: null, dev, kind: entry.type,
    bridge: entry.bridge ?? null, outer: null, wiring: 'not-running',
    desired: { state: 'up', ip: [], mtu: null, mac: null }, actual: null, stats: null,
    impairment: { to: null, from: null, config: null }, error: null, problems: ['no running container'],
  }
}

export function buildStatus(input: StatusInput, now = new Date()): StatusDocument {
  const bridgeSpecs = new Map(input.bridges.map((b) => [b.bridge, b]))
  const links = [...input.instances.map((i) => instanceStatus(i, input.outer, bridgeSpecs)), ...input.notRunning.map(notRunningStatus)]
  links.sort((a, b) => a.name.localeCompare(b.name) || (a.index ?? 0) - (b.index ?? 0))
  const bridges = input.bridges.map((b): BridgeStatus => {
    const l = input.outer.find((o) => o.ifname === b.bridge)
    // a patch "bridge" is no interface: its members are joined by tc filters
    return { bridge: b.bridge, mode: b['resolved-mode'], exists: BRIDGE_FACTS[b['resolved-mode']].device ? !!l : null, state: l?.operstate ?? null }
  })
  const tunnels = input.tunnels.map((t): TunnelStatus => {
    const l = input.outer.find((o) => o.ifname === t['outer-dev'])
    return { tunnel: t['outer-dev'], type: t.type, bridge: t.bridge, remote: t.remote, vni: t.vni, exists: !!l, state: l?.operstate ?? null }
  })
  const broken = bridges.filter((b) => b.exists === false).length + tunnels.filter((t) => !t.exists).length
  const problems = links.filter((l) => l.problems.length).length
  return {
    version: 1,
    time: now.toISOString(),
    summary: {
      links: links.length,
      up: links.filter((l) => !l.problems.length && l.desired.state === 'up').length,
      down: links.filter((l) => l.desired.state === 'down').length,
      problems,
      bridges: bridges.length,
      tunnels: tunnels.length,
      ok: problems === 0 && broken === 0,
    },
    links,
    bridges,
    tunnels,
  }
}

/** `--check`: one line per link or bridge that is not as desired; empty = all good. */
export function statusProblems(doc: StatusDocument): string[] {
  const out = doc.links.flatMap((l) => l.problems.map((p) => `${l.link ?? l.name}: ${p}`))
  for (const b of doc.bridges) if (b.exists === false) out.push(`bridge ${b.bridge}: missing in the network container`)
  for (const t of doc.tunnels) if (!t.exists) out.push(`tunnel ${t.tunnel}: missing in the network container`)
  return out
}

function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let i = 0
  while (n >= 1000 && i < units.length - 1) [n, i] = [n / 1000, i + 1]
  return `${i ? n.toFixed(1) : n}${units[i]}`
}

function impairmentText(l: LinkStatus): string {
  const text = (side: Record<string, string>) => Object.entries(side).map(([k, v]) => `${k} ${v}`).join(' ')
  const parts = [l.impairment.to && `to: ${text(l.impairment.to)}`, l.impairment.from && `from: ${text(l.impairment.from)}`].filter(Boolean)
  if (!l.impairment.from && l.impairment.config) parts.push(`config: ${l.impairment.config}`)
  return parts.join('; ') || '-'
}

function stateText(l: LinkStatus): string {
  if (l.wiring === 'not-running') return 'not running'
  if (!l.actual) return l.wiring === 'failed' ? 'failed' : 'missing'
  if (l.desired.state === 'down') return l.actual.carrier ? 'asked down, has carrier' : 'down (asked)'
  return l.actual.carrier ? 'up' : `no carrier`
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ').trimEnd())
}

/** The text form of `conlink status`. */
export function formatStatus(doc: StatusDocument): string {
  const head = ['LINK', 'CONTAINER', 'KIND', 'BRIDGE', 'OUTER', 'STATE', 'ADDRESS', 'MTU', 'RX', 'TX', 'DROPS', 'IMPAIRMENT']
  const rows = doc.links.map((l) => [
    l.name, l.container ?? '-', l.kind, l.bridge ?? '-', l.outer ?? '-', stateText(l),
    l.actual?.addresses.join(',') || '-', String(l.actual?.mtu ?? '-'),
    l.stats ? bytes(l.stats.rx.bytes) : '-', l.stats ? bytes(l.stats.tx.bytes) : '-',
    l.stats ? String(l.stats.rx.dropped + l.stats.tx.dropped) : '-', impairmentText(l),
  ])
  const lines = table([head, ...rows])
  for (const l of doc.links) for (const p of l.problems) lines.push(`  ${l.link ?? l.name}: ${p}`)
  for (const l of doc.links) if (l.error && !l.problems.some((p) => p.includes(l.error!))) lines.push(`  ${l.link ?? l.name}: last error: ${l.error}`)
  if (doc.bridges.length) lines.push('', ...table([['BRIDGE', 'MODE', 'STATE'], ...doc.bridges.map((b) => [b.bridge, b.mode, b.exists === null ? '(tc filters)' : b.exists ? (b.state ?? '?') : 'missing'])]))
  if (doc.tunnels.length)
    lines.push('', ...table([['TUNNEL', 'TYPE', 'BRIDGE', 'REMOTE', 'STATE'], ...doc.tunnels.map((t) => [t.tunnel, t.type, t.bridge, t.remote, t.exists ? (t.state ?? '?') : 'missing'])]))
  const s = doc.summary
  lines.push('', `${s.links} links: ${s.up} up, ${s.down} down as asked, ${s.problems} with problems; ${s.bridges} bridges, ${s.tunnels} tunnels: ${s.ok ? 'OK' : 'NOT OK'}`)
  return lines.join('\n') + '\n'
}
