// Address-family rules across a link's keys (the schema checks each value on
// its own): an ip list without repeats, routes whose gateway has the family
// of their destination (and of one of the link's addresses), and a nat of a
// family the link has an address of.
import { ConlinkError } from '../errors.js'
import { addressList, canonicalAddress, familyOf, routeFamilies, type Family } from './address.js'
import type { Sourced } from './merge.js'
import { originOfKey } from './merge.js'
import type { LinkSpec, Origin } from './types.js'

const v = (f: Family): string => `IPv${f}`

function at(item: Sourced, key: string, index?: number): Origin {
  const o = originOfKey(item, key)
  return index === undefined ? o : { file: o.file, path: `${o.path}[${index}]` }
}

/** Where the j-th entry of a key that may be written as a string or a list is. */
function entryAt(item: Sourced, key: string, j: number): Origin {
  const raw = (item.value as Record<string, unknown>)[key]
  return at(item, key, Array.isArray(raw) ? j : undefined)
}

function checkIpList(link: LinkSpec, item: Sourced, errors: ConlinkError[]): void {
  const seen = new Map<string, number>()
  addressList(link.ip).forEach((cidr, j) => {
    const key = canonicalAddress(cidr).split('/')[0]
    const first = seen.get(key)
    if (first !== undefined)
      errors.push(new ConlinkError(`address ${cidr} is listed twice (also ip[${first}])`, { place: at(item, 'ip', j), hint: 'remove one of them' }))
    else seen.set(key, j)
  })
}

function checkRoutes(link: LinkSpec, item: Sourced, families: Set<Family>, errors: ConlinkError[]): void {
  link.route.forEach((route, j) => {
    const r = routeFamilies(route.trim().split(/\s+/))
    if (r.viaFamily === undefined || r.viaWithFamily) return
    if (r.dstFamily !== undefined && r.dstFamily !== r.viaFamily) {
      errors.push(
        new ConlinkError(`route ${JSON.stringify(route)} has an ${v(r.viaFamily)} gateway for an ${v(r.dstFamily)} destination`, {
          place: entryAt(item, 'route', j),
          hint: `use an ${v(r.dstFamily)} gateway or an ${v(r.viaFamily)} destination; \`default\` takes the family of its gateway`,
        }),
      )
      return
    }
    const linkLocal = r.viaFamily === 6 && /^fe[89ab]/i.test(r.via ?? '')
    if (families.size > 0 && !families.has(r.viaFamily) && !linkLocal)
      errors.push(
        new ConlinkError(`route ${JSON.stringify(route)} has an ${v(r.viaFamily)} gateway, but the link has no ${v(r.viaFamily)} address to reach it`, {
          place: entryAt(item, 'route', j),
          hint: `add an ${v(r.viaFamily)} address to ip${r.viaFamily === 6 ? ', or use a link-local gateway (fe80::...)' : ''}`,
        }),
      )
  })
}

function checkNat(link: LinkSpec, item: Sourced, families: Set<Family>, errors: ConlinkError[]): void {
  const family = link.nat === undefined ? undefined : familyOf(link.nat)
  if (family === undefined || families.size === 0 || families.has(family)) return
  const other: Family = family === 4 ? 6 : 4
  errors.push(
    new ConlinkError(`nat ${link.nat} is ${v(family)}, but the link's ip has only ${v(other)} addresses (NAT cannot mix families)`, {
      place: at(item, 'nat'),
      hint: `add an ${v(family)} address to ip, or use an ${v(other)} nat address`,
    }),
  )
}

/** Family errors of enriched links (`sourced[i]` is where `links[i]` was written). */
export function checkAddressFamilies(links: LinkSpec[], sourced: Sourced[], errors: ConlinkError[]): void {
  links.forEach((link, i) => {
    const families = new Set(addressList(link.ip).map(familyOf).filter((f): f is Family => f !== undefined))
    checkIpList(link, sourced[i], errors)
    checkRoutes(link, sourced[i], families, errors)
    checkNat(link, sourced[i], families, errors)
  })
}
