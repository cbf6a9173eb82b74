// Enrichment: defaults, normalised lists, parsed forwards, bridges resolved
// against the kernel, tunnels named, everything grouped per service and
// container. Input is a validated MergedConfig.
import { existsSync, readFileSync } from 'node:fs'
import { ConlinkError } from '../errors.js'
import type {
  BridgeMode, BridgeSpec, CommandSpec, ConfigOptions, Forward, LinkSpec, NetworkConfig, Origin,
  OwnerConfig, RawBridge, RawCommand, RawLink, RawTunnel, ResolvedBridgeMode, TunnelSpec,
} from './types.js'
import type { MergedConfig, Sourced } from './merge.js'
import { originOfKey, setOwn } from './merge.js'
import { TUNNEL_PORTS } from './types.js'
import { FORWARD } from './formats.js'
import { checkOuterNames } from './replica.js'
import { linkLabel } from './label.js'
import { checkAddressFamilies } from './families.js'
import { LINK_FACTS } from '../net/links/facts.js'

export type EnrichOptions = Pick<ConfigOptions, 'defaultBridgeMode' | 'defaultMtu' | 'keepVethOffload'> & {
  /** True when Open vSwitch can be used (default: the openvswitch kernel module is loaded). */
  probe?: () => boolean
  /** `ovs` bridges without kernel support are an error (for `up`) instead of a warning (for `config`). */
  strictOvs?: boolean
}

/** Is the openvswitch kernel module loaded? */
export function ovsModuleLoaded(): boolean {
  if (existsSync('/sys/module/openvswitch')) return true
  try {
    return /^openvswitch\s/m.test(readFileSync('/proc/modules', 'utf8'))
  } catch {
    return false
  }
}

export function toList<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}

export function parseForward(s: string): Forward {
  const [, conlinkPort, port, proto] = FORWARD.exec(s) ?? []
  return { 'conlink-port': Number(conlinkPort), port: Number(port), proto: proto as Forward['proto'] }
}

/** One link with defaults applied. */
export function enrichLink(raw: RawLink, origin: Origin, opts: EnrichOptions): LinkSpec {
  const type = raw.type ?? 'veth'
  const facts = LINK_FACTS[type]
  return {
    type,
    service: raw.service,
    container: raw.container,
    dev: raw.dev ?? 'eth0',
    'outer-dev': raw['outer-dev'],
    bridge: raw.bridge,
    ip: raw.ip,
    mac: raw.mac,
    mtu: raw.mtu ?? (facts.defaultMtu ? opts.defaultMtu : undefined),
    route: toList(raw.route),
    nat: raw.nat,
    netem: toList(raw.netem),
    mode: raw.mode,
    vlanid: raw.vlanid,
    forward: toList(raw.forward).map(parseForward),
    ethtool: [...(opts.keepVethOffload ? [] : facts.defaultEthtool), ...toList(raw.ethtool)],
    base: facts.base,
    origin,
  }
}

export function enrichTunnel(raw: RawTunnel, origin: Origin): TunnelSpec {
  const port = raw.port ?? TUNNEL_PORTS[raw.type]
  return { type: raw.type, bridge: raw.bridge, remote: raw.remote, vni: raw.vni, port, netem: toList(raw.netem), 'outer-dev': `${raw.type}-${raw.vni}`, origin }
}

interface BridgeUse {
  mode: BridgeMode
  origin: Origin
  members: string[]
}

/** Every bridge named anywhere, with its requested mode and where it was first mentioned. */
function collectBridges(merged: MergedConfig, links: LinkSpec[], tunnels: TunnelSpec[], defaultMode: BridgeMode): Map<string, BridgeUse> {
  const uses = new Map<string, BridgeUse>()
  for (const item of merged.bridges) {
    const b = item.value as RawBridge
    uses.set(b.bridge, { mode: b.mode ?? defaultMode, origin: item.origin, members: [] })
  }
  const member = (bridge: string | undefined, name: string, origin: Origin) => {
    if (bridge === undefined) return
    if (!uses.has(bridge)) uses.set(bridge, { mode: defaultMode, origin, members: [] })
    uses.get(bridge)!.members.push(name)
  }
  for (const l of links) member(l.bridge, linkLabel(l), l.origin)
  for (const t of tunnels) member(t.bridge, `tunnel ${t['outer-dev']}`, t.origin)
  return uses
}

function resolveBridges(uses: Map<string, BridgeUse>, opts: EnrichOptions, warnings: string[], errors: ConlinkError[]): Record<string, BridgeSpec> {
  const needsOvs = [...uses.values()].some((u) => u.mode === 'auto' || u.mode === 'ovs')
  const ovs = needsOvs && (opts.probe ?? ovsModuleLoaded)()
  const out: Record<string, BridgeSpec> = {}
  const fallback: string[] = []
  for (const [name, use] of uses) {
    let resolved: ResolvedBridgeMode
    if (use.mode === 'auto') {
      resolved = ovs ? 'ovs' : 'linux'
      if (!ovs) fallback.push(name)
    } else {
      resolved = use.mode
    }
    if (use.mode === 'ovs' && !ovs) {
      const msg = `bridge ${name} has mode ovs but the openvswitch kernel module is not loaded`
      if (opts.strictOvs) errors.push(new ConlinkError(msg, { place: use.origin, hint: 'load openvswitch on the host (modprobe openvswitch) or use mode linux' }))
      else warnings.push(`${use.origin.file}: ${use.origin.path}: ${msg}; \`conlink up\` will refuse to start`)
    }
    if (resolved === 'patch' && use.members.length > 2) {
      errors.push(
        new ConlinkError(`patch bridge ${name} joins ${use.members.length} links (${use.members.join(', ')}); a patch joins exactly two`, {
          place: use.origin,
          hint: `use mode linux or ovs for bridge ${name}`,
        }),
      )
    }
    setOwn(out, name, { bridge: name, mode: use.mode, 'resolved-mode': resolved })
  }
  if (fallback.length > 0) warnings.push(`openvswitch kernel module not loaded: bridge mode auto uses Linux bridges for ${fallback.join(', ')}`)
  return out
}

/** Forwards need a bridge in linux or ovs mode (type veth and ip are schema rules). */
function checkForwards(links: LinkSpec[], sourced: Sourced[], bridges: Record<string, BridgeSpec>, errors: ConlinkError[]): void {
  links.forEach((l, i) => {
    if (l.forward.length === 0 || l.bridge === undefined) return
    const mode = bridges[l.bridge]?.['resolved-mode']
    if (mode === 'linux' || mode === 'ovs') return
    errors.push(
      new ConlinkError(`forward needs a bridge in linux or ovs mode, but bridge ${l.bridge} is a ${mode}`, {
        place: originOfKey(sourced[i], 'forward'),
        hint: `set mode linux or ovs for bridge ${l.bridge}, or remove forward`,
      }),
    )
  })
}

function checkTunnelNames(tunnels: TunnelSpec[], errors: ConlinkError[]): void {
  const seen = new Set<string>()
  for (const t of tunnels) {
    if (seen.has(t['outer-dev'])) errors.push(new ConlinkError(`a second ${t.type} tunnel with vni ${t.vni}`, { place: t.origin, hint: 'each tunnel needs its own type and vni' }))
    seen.add(t['outer-dev'])
  }
}

function ownerOf(config: NetworkConfig, item: { service?: string; container?: string }): OwnerConfig {
  const [group, name] = item.service !== undefined ? [config.services, item.service] : [config.containers, item.container!]
  // names like `constructor` are valid service and container names: look at own properties only
  return Object.hasOwn(group, name) ? group[name] : setOwn(group, name, { links: [], commands: [] })
}

/** Enrich a validated merged config. Throws the collected errors (see throwErrors). */
export function enrich(merged: MergedConfig, opts: EnrichOptions): { config: NetworkConfig; warnings: string[]; errors: ConlinkError[] } {
  const warnings: string[] = []
  const errors: ConlinkError[] = []
  const links = merged.links.map((s) => enrichLink(s.value as RawLink, s.origin, opts))
  const tunnels = merged.tunnels.map((s) => enrichTunnel(s.value as RawTunnel, s.origin))
  const commands: CommandSpec[] = merged.commands.map((s) => ({ ...(s.value as RawCommand), origin: s.origin }))
  const bridges = resolveBridges(collectBridges(merged, links, tunnels, opts.defaultBridgeMode), opts, warnings, errors)
  checkForwards(links, merged.links, bridges, errors)
  checkAddressFamilies(links, merged.links, errors)
  checkTunnelNames(tunnels, errors)
  errors.push(...checkOuterNames(links))
  const config: NetworkConfig = { bridges, tunnels, services: {}, containers: {} }
  for (const l of links) ownerOf(config, l).links.push(l)
  for (const c of commands) ownerOf(config, c).commands.push(c)
  return { config, warnings, errors }
}

/** Every link of the config, services first, then containers. */
export function allLinks(config: NetworkConfig): LinkSpec[] {
  return [...Object.values(config.services), ...Object.values(config.containers)].flatMap((o) => o.links)
}

/** Links with port forwards: when non-empty, the network container must have an engine-provided eth0 (checked by the engine). */
export function linksWithForwards(config: NetworkConfig): LinkSpec[] {
  return allLinks(config).filter((l) => l.forward.length > 0)
}
