// Per-replica values of a link: IP/MAC/port offsets, stable generated MACs
// and the outer interface names (named in src/net/links/facts.ts). Pure
// helpers the engine uses.
import { createHash } from 'node:crypto'
import { ConlinkError } from '../errors.js'
import type { ContainerInfo, LinkInstance, LinkSpec } from './types.js'
import { offsetIPv6 } from './address.js'
import { LINK_FACTS, MAX_IFNAME, longNameTail, outerDevName, plainOuterName } from '../net/links/facts.js'

/** `10.0.0.255/16` + 1 = `10.0.1.0/16`: IPv4 arithmetic across octets, prefix kept. IPv6: see offsetIPv6. */
export function offsetIp(cidr: string, n: number): string {
  if (cidr.includes(':')) return offsetIPv6(cidr, n)
  const [addr, prefix] = cidr.split('/')
  const octets = addr.split('.').map(Number)
  const value = octets.reduce((acc, o) => acc * 256 + o, 0) + n
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) throw new ConlinkError(`invalid IPv4 address ${addr}`)
  if (value < 0 || value > 0xffffffff) throw new ConlinkError(`IP address ${cidr} + ${n} is beyond 255.255.255.255`, { hint: 'use a lower ip or fewer replicas' })
  const out = [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.')
  return prefix === undefined ? out : `${out}/${prefix}`
}

/** MAC + n as a 48-bit number (lower-case, colon separated). */
export function offsetMac(mac: string, n: number): string {
  const value = parseInt(mac.replace(/:/g, ''), 16) + n
  if (!Number.isSafeInteger(value) || value < 0 || value > 0xffffffffffff) throw new ConlinkError(`MAC address ${mac} + ${n} is beyond ff:ff:ff:ff:ff:ff`, { hint: 'use a lower mac or fewer replicas' })
  return formatMac(value.toString(16).padStart(12, '0'))
}

function formatMac(hex12: string): string {
  return hex12.match(/../g)!.join(':')
}

/** A locally administered unicast MAC (first octet c2) derived from the seed: the same seed always gives the same MAC. */
export function stableMac(seed: string): string {
  return formatMac('c2' + createHash('sha256').update(seed).digest('hex').slice(0, 10))
}

export { outerDevName }

const placeOf = (l: LinkSpec) => `${l.origin.file ? `${l.origin.file}: ` : ''}${l.origin.path}`

/**
 * Outer names of veth links live side by side in the network container:
 * report, naming both links, the collisions the config makes unavoidable
 * (the same fixed name twice, a container link named like a replica of a
 * service link, two devs of one owner whose long-name forms agree).
 */
export function checkOuterNames(links: readonly LinkSpec[]): ConlinkError[] {
  const veths = links.filter((l) => LINK_FACTS[l.type].hasOuterEnd)
  const errors: ConlinkError[] = []
  const clash = (a: LinkSpec, b: LinkSpec, name: string, why: string) =>
    errors.push(new ConlinkError(`outer interface name ${name} of this link ${why} ${placeOf(a)}`, { place: b.origin, hint: 'set a different `outer-dev` on one of them, or rename a dev' }))
  const fixed = new Map<string, LinkSpec>()
  for (const l of veths) {
    const name = l['outer-dev'] ?? (l.service === undefined ? plainOuterName(l, 1) : undefined)
    if (name === undefined || name.length > MAX_IFNAME) continue
    const first = fixed.get(name)
    if (first) clash(first, l, name, 'is also the name of')
    else fixed.set(name, l)
  }
  const tails = new Map<string, LinkSpec>()
  for (const l of veths) {
    if (l['outer-dev'] !== undefined) continue
    if (l.service !== undefined) {
      const replica = new RegExp(`^${escapeRegExp(l.service)}_[1-9][0-9]*-${escapeRegExp(l.dev)}$`)
      for (const [name, other] of fixed) if (replica.test(name)) clash(other, l, name, 'for one of its replicas is the name of')
    }
    if (l.service === undefined && plainOuterName(l, 1).length <= MAX_IFNAME) continue
    const key = `${l.service ?? ''}/${l.container ?? ''}/${longNameTail(l.dev)}`
    const first = tails.get(key)
    if (first && first.dev !== l.dev) clash(first, l, `c<id>-${longNameTail(l.dev)} (when too long)`, 'is also the name of')
    else tails.set(key, l)
  }
  return errors
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Replica offset: replica index - 1 for service links, 0 for container links. */
export function replicaOffset(link: LinkSpec, container: ContainerInfo): number {
  return link.service !== undefined ? container.index - 1 : 0
}

/** The seed of a link's generated MAC: project, service (or container), dev and replica index. */
export function macSeed(link: LinkSpec, container: ContainerInfo): string {
  return `${container.project ?? ''}/${link.service ?? link.container ?? container.name}/${link.dev}/${container.index}`
}

/** One link of one container, with replica offsets, generated MAC and outer name applied. */
export function instantiateLink(link: LinkSpec, container: ContainerInfo): LinkInstance {
  const n = replicaOffset(link, container)
  const facts = LINK_FACTS[link.type]
  if (n > 0 && facts.hasOuterEnd && link['outer-dev'] !== undefined) {
    throw new ConlinkError(`outer-dev ${link['outer-dev']} is a fixed name, but service ${link.service} has a replica ${container.index}: replicas cannot share it`, {
      place: link.origin,
      hint: 'remove outer-dev from this service link (names are generated per replica) or do not scale the service',
    })
  }
  const outerName = outerDevName(link, container)
  return {
    link,
    container,
    dev: link.dev,
    outerEnd: facts.hasOuterEnd ? outerName : undefined,
    parent: facts.base === 'host' ? outerName : undefined,
    ip: offsetIps(link, n),
    mac: !facts.hasMac ? undefined : link.mac !== undefined ? offsetMac(link.mac, n) : stableMac(macSeed(link, container)),
    mtu: link.mtu,
    forward: link.forward.map((f) => ({ ...f, 'conlink-port': offsetPort(f['conlink-port'], n) })),
  }
}

/** Each address + n, in the shape the link has them; errors name the link's `ip`. */
function offsetIps(link: LinkSpec, n: number): string | string[] | undefined {
  try {
    return link.ip === undefined ? undefined : typeof link.ip === 'string' ? offsetIp(link.ip, n) : link.ip.map((a) => offsetIp(a, n))
  } catch (e) {
    if (!(e instanceof ConlinkError) || e.place.file) throw e
    throw new ConlinkError(e.message, { place: { file: link.origin.file, path: `${link.origin.path}.ip` }, hint: e.hint })
  }
}

function offsetPort(port: number, n: number): number {
  if (port + n > 65535) throw new ConlinkError(`forward port ${port} + ${n} is beyond 65535`, { hint: 'use a lower conlink port or fewer replicas' })
  return port + n
}
