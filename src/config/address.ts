// IPv4 and IPv6 addresses: parsing, families, canonical text and replica
// offsets. Pure functions; the schema formats, replica offsets, family
// checks, the link engine and net2dot use them.
import { ConlinkError } from '../errors.js'

export type Family = 4 | 6

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/
const HEXTET = /^[0-9a-fA-F]{1,4}$/

export function isIPv4(s: string): boolean {
  const m = IPV4.exec(s)
  return m !== null && m.slice(1).every((o) => Number(o) <= 255)
}

export function isIPv6(s: string): boolean {
  return ipv6Value(s) !== undefined
}

/** An IPv6 address as a 128-bit number, or undefined when it is not one. */
export function ipv6Value(s: string): bigint | undefined {
  const h = parseIPv6(s)
  return h === undefined ? undefined : h.reduce((acc, x) => (acc << 16n) | BigInt(x), 0n)
}

/** The 8 hextets of an IPv6 address (`::` and a trailing dotted IPv4 part allowed; no zone), or undefined. */
function parseIPv6(s: string): number[] | undefined {
  if (s.length > 45 || !s.includes(':')) return undefined
  const lastColon = s.lastIndexOf(':')
  const dotted = s.includes('.', lastColon) ? s.slice(lastColon + 1) : undefined
  let tail: number[] = []
  let text = s
  if (dotted !== undefined) {
    if (!isIPv4(dotted)) return undefined
    const o = dotted.split('.').map(Number)
    tail = [o[0] * 256 + o[1], o[2] * 256 + o[3]]
    text = s.slice(0, lastColon + 1)
    // `::1.2.3.4` leaves `::`; `::ffff:1.2.3.4` leaves `::ffff:` whose final `:` belongs to the IPv4 part
    if (!text.endsWith('::')) text = text.slice(0, -1)
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const groups = (part: string): number[] | undefined => {
    if (part === '') return []
    const g = part.split(':')
    return g.every((x) => HEXTET.test(x)) ? g.map((x) => parseInt(x, 16)) : undefined
  }
  const head = groups(halves[0])
  const rest = halves.length === 2 ? groups(halves[1]) : []
  if (head === undefined || rest === undefined) return undefined
  const wanted = 8 - tail.length
  if (halves.length === 1) return head.length === wanted ? [...head, ...tail] : undefined
  const zeros = wanted - head.length - rest.length
  return zeros >= 1 ? [...head, ...new Array<number>(zeros).fill(0), ...rest, ...tail] : undefined
}

/** RFC 5952 text of a 128-bit number: lower case, the longest run (2 or more) of zero hextets as `::`. */
export function formatIPv6(value: bigint): string {
  const h = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn))
  let best = { at: -1, len: 1 }
  for (let i = 0; i < 8; ) {
    if (h[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && h[j] === 0) j++
    if (j - i > best.len) best = { at: i, len: j - i }
    i = j
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':')
  if (best.at < 0) return hex(h)
  // as glibc's inet_ntop (and so `ip`) writes them: IPv4-mapped and -compatible addresses end in dotted IPv4,
  // but not when the zeros run into the last hextet (`::2`, `::102`)
  if (best.at === 0 && (best.len === 6 || (best.len === 5 && h[5] === 0xffff))) {
    const v4 = [h[6] >> 8, h[6] & 255, h[7] >> 8, h[7] & 255].join('.')
    return best.len === 5 ? `::ffff:${v4}` : `::${v4}`
  }
  return `${hex(h.slice(0, best.at))}::${hex(h.slice(best.at + best.len))}`
}

/** The family of an address without prefix, or undefined when it is neither. */
export function ipFamily(s: string): Family | undefined {
  return isIPv4(s) ? 4 : isIPv6(s) ? 6 : undefined
}

export const isIP = (s: string): boolean => ipFamily(s) !== undefined

export interface Cidr {
  addr: string
  prefix: number
  family: Family
}

export function parseCidr(s: string): Cidr | undefined {
  const [addr, prefix, extra] = s.split('/')
  if (extra !== undefined || prefix === undefined || !/^(0|[1-9]\d{0,2})$/.test(prefix)) return undefined
  const family = ipFamily(addr)
  if (family === undefined || Number(prefix) > (family === 4 ? 32 : 128)) return undefined
  return { addr, prefix: Number(prefix), family }
}

export const isCidr = (s: string): boolean => parseCidr(s) !== undefined

/** Why a string is not an address with prefix, for the error message (`IP address "x" ...`), or undefined. */
export function cidrProblem(s: string): { what: string; hint: string } | undefined {
  if (isCidr(s)) return undefined
  const family = ipFamily(s)
  if (family !== undefined) return { what: 'has no prefix length', hint: `write e.g. ${s}/${family === 4 ? 24 : 64}` }
  const [addr, prefix, extra] = s.split('/')
  const f = ipFamily(addr)
  if (f === undefined || extra !== undefined || !/^\d+$/.test(prefix ?? '')) return undefined
  const max = f === 4 ? 32 : 128
  return { what: `has prefix /${prefix}, over ${max} for IPv${f}`, hint: `use a prefix of 0-${max}, e.g. ${addr}/${f === 4 ? 24 : 64}` }
}

/** The address part of a CIDR (or the address itself). */
export const addrPart = (cidr: string): string => cidr.split('/')[0]

/** The family of a CIDR or address. */
export function familyOf(s: string): Family | undefined {
  return ipFamily(addrPart(s))
}

/** The same address in canonical text (IPv6 compressed, lower case); anything else unchanged. */
export function canonicalAddress(s: string): string {
  const [addr, ...rest] = s.split('/')
  const v6 = ipv6Value(addr)
  return v6 === undefined ? s : [formatIPv6(v6), ...rest].join('/')
}

/** `ip` as written (one address or a list) as a list. */
export function addressList(ip: string | readonly string[] | undefined): string[] {
  return ip === undefined ? [] : typeof ip === 'string' ? [ip] : [...ip]
}

/** The first address of the given family. */
export function addressOfFamily(ip: string | readonly string[] | undefined, family: Family): string | undefined {
  return addressList(ip).find((a) => familyOf(a) === family)
}

/**
 * IPv6 address + n, added to the interface identifier (the bits after the
 * prefix); prefix kept; canonical text. An offset that would carry into the
 * prefix is an error.
 */
export function offsetIPv6(cidr: string, n: number): string {
  const c = parseCidr(cidr)
  if (!c || c.family !== 6) throw new ConlinkError(`invalid IPv6 address with prefix ${cidr}`)
  const value = ipv6Value(c.addr)!
  const hostBits = BigInt(128 - c.prefix)
  const hostMask = (1n << hostBits) - 1n
  const host = (value & hostMask) + BigInt(n)
  if (host < 0n || host > hostMask) {
    const room = hostMask - (value & hostMask)
    throw new ConlinkError(`IPv6 address ${cidr} + ${n} leaves its /${c.prefix} prefix (room for ${room} more after it)`, {
      hint: c.prefix === 128 ? 'a /128 cannot be given to replicas: use a prefix such as /64' : 'use a lower address, a shorter prefix or fewer replicas',
    })
  }
  return `${formatIPv6((value & ~hostMask) | host)}/${c.prefix}`
}

/** The EUI-64 link-local address of a MAC (`fe80::` + MAC with the universal/local bit flipped and `ff:fe` in the middle). */
export function linkLocalFromMac(mac: string): string {
  const b = mac.split(':').map((x) => parseInt(x, 16))
  const iid = [b[0] ^ 2, b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]].reduce((acc, x) => (acc << 8n) | BigInt(x), 0n)
  return formatIPv6((0xfe80n << 112n) | iid)
}

const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'throw', 'unreachable', 'prohibit', 'blackhole', 'nat', 'anycast'])

export interface RouteFamilies {
  /** The destination as written (`default`, a prefix or an address), when the route has one. */
  dst?: string
  /** Its family; undefined for `default` and words that are not addresses. */
  dstFamily?: Family
  /** The `via` gateway and its family. */
  via?: string
  viaFamily?: Family
  /** `via inet6 ADDR`: the gateway's family was written on purpose (e.g. an IPv4 route via an IPv6 gateway). */
  viaWithFamily?: boolean
}

/** The destination and gateway of `ip route add` words, with their families. */
export function routeFamilies(words: readonly string[]): RouteFamilies {
  const w = ROUTE_TYPES.has(words[0]) ? words.slice(1) : [...words]
  const dst = w[0] === 'to' ? w[1] : w[0]
  const viaAt = w.indexOf('via')
  const viaWithFamily = viaAt >= 0 && (w[viaAt + 1] === 'inet' || w[viaAt + 1] === 'inet6')
  const via = viaAt >= 0 ? w[viaAt + (viaWithFamily ? 2 : 1)] : undefined
  return {
    dst,
    dstFamily: dst === undefined || dst === 'default' ? undefined : familyOf(dst),
    via,
    viaFamily: via === undefined ? undefined : ipFamily(via),
    ...(viaWithFamily ? { viaWithFamily } : {}),
  }
}
