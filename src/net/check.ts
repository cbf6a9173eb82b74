// Compare what the kernel has with what link instances ask for.
import type { LinkInstance, ResolvedBridgeMode } from '../config/types.js'
import { addressList, canonicalAddress, routeFamilies } from '../config/address.js'
import type { NetContext } from './context.js'
import { runIn } from './executor.js'
import { BRIDGE_FACTS, LINK_FACTS } from './links/facts.js'
import { words, type Ns } from './ops.js'
import { linkLabel } from '../config/label.js'

interface IpLink {
  ifname: string
  address?: string
  mtu?: number
  master?: string
  linkinfo?: { info_kind?: string; info_data?: { id?: number } }
  addr_info?: Array<{ local: string; prefixlen: number }>
}
// an IPv4 route via an IPv6 gateway (`via inet6 ADDR`) has `via` instead of `gateway`
interface IpRoute { dst: string; dev?: string; gateway?: string; via?: { host?: string } }

async function readJson<T>(ctx: NetContext, ns: Ns, args: string[]): Promise<T[] | undefined> {
  const r = await runIn(ctx, ns, ['ip', '-j', ...args])
  return r.exitCode === 0 ? (JSON.parse(r.stdout || '[]') as T[]) : undefined
}

/** Route destinations compared the way `ip` prints them: host routes without /32 or /128, IPv6 canonical. */
const normDst = (d: string): string => canonicalAddress(d).replace(/\/(32|128)$/, '')

function routeDiffs(inst: LinkInstance, routes: IpRoute[]): string[] {
  return inst.link.route.flatMap((route) => {
    const { dst, via } = routeFamilies(words(route))
    const found = routes.some((r) => r.dev === inst.dev && dst !== undefined && normDst(r.dst) === normDst(dst) && (!via || (r.gateway ?? r.via?.host) === canonicalAddress(via)))
    return found ? [] : [`route '${route}' missing`]
  })
}

/** Differences for one instance, given its container's links and routes and the network container's links. */
export function diffInstance(inst: LinkInstance, links: IpLink[], routes: IpRoute[], outerLinks?: IpLink[], bridgeMode?: ResolvedBridgeMode): string[] {
  const d = links.find((l) => l.ifname === inst.dev)
  if (!d) return ['missing in the container']
  const out: string[] = []
  const kind = d.linkinfo?.info_kind
  const want = LINK_FACTS[inst.link.type].kernelKind
  if (kind !== want) out.push(`is a ${kind ?? 'plain'} interface, not ${want}`)
  if (inst.mac && d.address?.toLowerCase() !== inst.mac.toLowerCase()) out.push(`mac is ${d.address}, not ${inst.mac}`)
  if (inst.mtu && d.mtu !== inst.mtu) out.push(`mtu is ${d.mtu}, not ${inst.mtu}`)
  for (const cidr of addressList(inst.ip))
    if (!d.addr_info?.some((a) => `${a.local}/${a.prefixlen}` === canonicalAddress(cidr))) out.push(`ip ${cidr} missing`)
  if (inst.link.vlanid !== undefined && d.linkinfo?.info_data?.id !== inst.link.vlanid) out.push(`vlan id is not ${inst.link.vlanid}`)
  out.push(...routeDiffs(inst, routes))
  if (LINK_FACTS[inst.link.type].hasOuterEnd && outerLinks) {
    const o = outerLinks.find((l) => l.ifname === inst.outerEnd)
    if (!o) out.push(`outer end ${inst.outerEnd} missing in the network container`)
    else if (bridgeMode && BRIDGE_FACTS[bridgeMode].master && o.master !== inst.link.bridge) out.push(`outer end ${inst.outerEnd} is not on bridge ${inst.link.bridge}`)
  }
  return out
}

const hasV6Route = (inst: LinkInstance): boolean => inst.link.route.some((r) => routeIsV6(words(r)))

/** `ip route show` lists IPv4 only: IPv6 routes are read with `-6` when some route needs them. */
function routeIsV6(w: string[]): boolean {
  const f = routeFamilies(w)
  return (f.dstFamily ?? f.viaFamily) === 6
}

async function readRoutes(ctx: NetContext, pid: number, withV6: boolean): Promise<IpRoute[] | undefined> {
  const v4 = await readJson<IpRoute>(ctx, pid, ['route', 'show'])
  if (!withV6 || !v4) return v4
  return [...v4, ...((await readJson<IpRoute>(ctx, pid, ['-6', 'route', 'show'])) ?? [])]
}

/** `container:dev: difference` lines; empty when everything is as configured. */
export async function checkInstances(ctx: NetContext, instances: LinkInstance[]): Promise<string[]> {
  const pids = [...new Set(instances.map((i) => i.container.pid))]
  const needOuter = instances.some((i) => LINK_FACTS[i.link.type].hasOuterEnd)
  const [outer, ...perPid] = await Promise.all([
    needOuter ? readJson<IpLink>(ctx, 'conlink', ['-d', 'link', 'show']) : Promise.resolve(undefined),
    ...pids.map(async (pid) => [await readJson<IpLink>(ctx, pid, ['-d', 'addr', 'show']), await readRoutes(ctx, pid, instances.some((i) => i.container.pid === pid && hasV6Route(i)))] as const),
  ])
  const byPid = new Map(pids.map((pid, i) => [pid, perPid[i]]))
  return instances.flatMap((inst) => {
    const [links, routes] = byPid.get(inst.container.pid)!
    if (!links) return [`${linkLabel(inst)}: container namespace is gone`]
    const mode = inst.link.bridge ? ctx.bridges[inst.link.bridge]?.['resolved-mode'] : undefined
    return diffInstance(inst, links, routes ?? [], outer, mode).map((d) => `${linkLabel(inst)}: ${d}`)
  })
}
