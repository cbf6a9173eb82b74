// Port forwards: traffic arriving on the network container's DOCKER-ETH0 for
// proto/conlink-port is DNATed to the link's ip:port, marked, and
// masqueraded out of the bridge (the bridge has no address, so the source
// becomes DOCKER-ETH0's; the container gets a /32 route back to it).
import type { LinkInstance } from '../config/types.js'
import { addressOfFamily, type Family } from '../config/address.js'
import { ConlinkError } from '../errors.js'
import { log } from '../log.js'
import type { NetContext } from './context.js'
import { runIn, runInNs } from './executor.js'
import { checked } from '../exec.js'
import { addrOf, iptDelete, iptRule, ip, type Op } from './ops.js'
import { linkLabel } from '../config/label.js'

export const DOCKER_ETH0 = 'DOCKER-ETH0'
/** Marks forwarded connections so only they are masqueraded (bridged traffic with br_netfilter is left alone). */
export const FORWARD_MARK = '0x636c/0xffff'
/**
 * IPv6 forwards leave the bridge from this link-local address (given to the
 * bridge, `nodad`): IPv6 neighbour discovery only answers for addresses of
 * the interface asked on, so the masquerading used for IPv4 (DOCKER-ETH0's
 * address) would get no answer from the bridge. A link-local reply needs no
 * route in the container either.
 */
export const FORWARD_LINK_LOCAL = 'fe80::636c:1'

/** One family's forward: the link's address and DOCKER-ETH0's, without prefix. */
interface ForwardPath {
  family: Family
  ipaddr: string
  docker: string
}

const hostPrefix = (family: Family): string => (family === 6 ? '/128' : '/32')

function forwardRules(inst: LinkInstance, bridge: string, { family, ipaddr }: ForwardPath): Array<[table: 'nat' | 'mangle', rule: string[]]> {
  const target = family === 6 ? `[${ipaddr}]` : ipaddr
  const source = family === 6 ? ['SNAT', '--to-source', FORWARD_LINK_LOCAL] : ['MASQUERADE']
  return inst.forward.flatMap((f) => {
    const match = ['-p', f.proto, '-m', f.proto]
    return [
      ['mangle', ['PREROUTING', '-i', DOCKER_ETH0, ...match, '--dport', String(f['conlink-port']), '-j', 'MARK', '--set-xmark', FORWARD_MARK]],
      ['nat', ['PREROUTING', '-i', DOCKER_ETH0, ...match, '--dport', String(f['conlink-port']), '-j', 'DNAT', '--to-destination', `${target}:${f.port}`]],
      ['nat', ['POSTROUTING', '-o', bridge, '-m', 'mark', '--mark', FORWARD_MARK, '-d', ipaddr + hostPrefix(family), ...match, '--dport', String(f.port), '-j', ...source]],
    ] as Array<['nat' | 'mangle', string[]]>
  })
}

/**
 * The families a link's forwards use: those where both the link and
 * DOCKER-ETH0 have an address. IPv6 needs an IPv6 address on the network
 * container's engine network; without one forwarding is IPv4-only.
 */
export function forwardPaths(inst: LinkInstance, ctx: NetContext): ForwardPath[] {
  const place = { file: inst.link.origin.file, path: `${inst.link.origin.path}.forward` }
  if (!inst.ip) throw new ConlinkError(`link ${linkLabel(inst)}: forward needs an ip`, { place })
  const docker = ctx.dockerEth0
  if (!docker)
    throw new ConlinkError(`link ${linkLabel(inst)}: forward needs the network container's engine-provided eth0 (${DOCKER_ETH0})`, {
      place,
      hint: 'do not use network_mode: none for the network container',
    })
  const paths: ForwardPath[] = []
  for (const [family, dockerIp] of [[4, docker.ip], [6, docker.ip6]] as const) {
    const own = addressOfFamily(inst.ip, family)
    if (own && dockerIp) paths.push({ family, ipaddr: addrOf(own), docker: addrOf(dockerIp) })
  }
  if (paths.length === 0) {
    const v6only = !addressOfFamily(inst.ip, 4)
    throw new ConlinkError(
      v6only
        ? `link ${linkLabel(inst)}: forward is IPv4-only here: the network container has no usable IPv6 address on its engine network, and this link has only IPv6 addresses`
        : `link ${linkLabel(inst)}: forward needs an IPv4 address on the network container's engine network, which has only IPv6`,
      {
        place,
        hint: v6only
          ? "enable IPv6 on the network container's network (compose: enable_ipv6: true and an IPv6 subnet), or add an IPv4 address to ip"
          : "give the network container's network an IPv4 subnet, or add an IPv6 address to ip",
      },
    )
  }
  return paths
}

/**
 * Network-namespace ops (route + rules) per family, and for IPv4 the
 * container's /32 route to DOCKER-ETH0; for IPv6 the bridge's link-local
 * source address (kept until the bridge goes: other forwards share it).
 */
export function planForwards(inst: LinkInstance, ctx: NetContext, bridge: string): Op[] {
  if (inst.forward.length === 0) return []
  const id = linkLabel(inst)
  return forwardPaths(inst, ctx).flatMap((path) => {
    const host = path.ipaddr + hostPrefix(path.family)
    const v6 = path.family === 6
    return [
      ...(v6 ? [ip('conlink', id, ['addr', 'replace', `${FORWARD_LINK_LOCAL}/64`, 'dev', bridge, 'nodad'])] : []),
      ip('conlink', id, ['route', 'replace', host, 'dev', bridge], [ip('conlink', id, ['route', 'del', host, 'dev', bridge])]),
      ...forwardRules(inst, bridge, path).map(([table, rule]) => iptRule('conlink', id, table, rule, path.family)),
      ...(v6 ? [] : [ip(inst.container.pid, id, ['route', 'replace', path.docker + hostPrefix(path.family), 'dev', inst.dev])]),
    ]
  })
}

export function planForwardsDelete(inst: LinkInstance, bridge: string, ctx: NetContext): Op[] {
  if (inst.forward.length === 0 || !inst.ip) return []
  const id = linkLabel(inst)
  let paths: ForwardPath[]
  try {
    paths = forwardPaths(inst, ctx)
  } catch {
    return [] // nothing was forwarded
  }
  return paths.flatMap((path) => [
    ip('conlink', id, ['route', 'del', path.ipaddr + hostPrefix(path.family), 'dev', bridge]),
    ...forwardRules(inst, bridge, path).map(([table, rule]) => iptDelete('conlink', id, table, rule, path.family)),
  ])
}

interface IpAddr { ifname: string; linkinfo?: { info_kind?: string }; master?: string; addr_info?: Array<{ family: string; local: string; prefixlen: number; scope?: string }> }
interface IpRoute { dst: string; gateway?: string; protocol?: string; scope?: string; prefsrc?: string; metric?: number }

/** `ip route` words that re-create a route listed by `ip -j route` on `dev`. */
export function routeWords(r: IpRoute, dev: string): string[] {
  return ['route', 'replace', r.dst, ...(r.gateway ? ['via', r.gateway] : []), 'dev', dev,
    ...(r.protocol ? ['proto', r.protocol] : []), ...(r.scope ? ['scope', r.scope] : []),
    ...(r.prefsrc ? ['src', r.prefsrc] : []), ...(r.metric !== undefined ? ['metric', String(r.metric)] : [])]
}

function ipv4(a: IpAddr | undefined): string | undefined {
  const info = a?.addr_info?.find((i) => i.family === 'inet')
  return info && `${info.local}/${info.prefixlen}`
}

/** The first global IPv6 address (link-local addresses cannot be forwarded to from outside). */
function ipv6(a: IpAddr | undefined): string | undefined {
  const info = a?.addr_info?.find((i) => i.family === 'inet6' && i.scope !== 'link' && i.scope !== 'host')
  return info && `${info.local}/${info.prefixlen}`
}

/** DOCKER-ETH0's addresses, or undefined when it has none. */
function engineAddresses(a: IpAddr | undefined): { ip?: string; ip6?: string } | undefined {
  const [v4, v6] = [ipv4(a), ipv6(a)]
  if (!v4 && !v6) return undefined
  return { ...(v4 ? { ip: v4 } : {}), ...(v6 ? { ip6: v6 } : {}) }
}

/**
 * Turn on forwarding for a family unless the compose file already did
 * (sysctls). /proc/sys is read-only in an unprivileged container: IPv4 must
 * work (an error), IPv6 is dropped with a warning when it cannot be turned on.
 */
async function enableForwarding(ctx: NetContext, family: Family): Promise<boolean> {
  const key = family === 6 ? 'net.ipv6.conf.all.forwarding' : 'net.ipv4.ip_forward'
  const now = await runIn(ctx, 'conlink', ['sysctl', '-n', key])
  if (now.stdout.trim() === '1') return true
  const enable = ['sysctl', '-q', '-w', `${key}=1`]
  const r = await runInNs(ctx, 'conlink', enable)
  if (family === 4) {
    checked(enable, r, {})
    return true
  }
  if (r.exitCode === 0) return true
  log.warn(`forward is IPv4-only: cannot turn on ${key} in the network container (${(r.stderr || r.stdout).trim()}); set it in the network service's sysctls (${key}: 1)`)
  return false
}

/**
 * Rename the network container's own eth0 to DOCKER-ETH0 (keeping its
 * addresses and routes) so links named eth0 can be created, and turn on
 * forwarding. Returns the address, or undefined when there is no eth0 (or
 * eth0 is on a conlink bridge, i.e. conlink made it).
 */
export async function renameDockerEth0(ctx: NetContext): Promise<NetContext['dockerEth0']> {
  const r = await runIn(ctx, 'conlink', ['ip', '-j', '-d', 'addr', 'show'])
  const links = JSON.parse(r.stdout || '[]') as IpAddr[]
  const renamed = links.find((l) => l.ifname === DOCKER_ETH0)
  const eth0 = links.find((l) => l.ifname === 'eth0')
  if (renamed && !eth0) return engineAddresses(renamed)
  if (!eth0 || (eth0.master && ctx.bridges[eth0.master])) {
    log.info('No engine-provided eth0 in the network container')
    return undefined
  }
  await renameKeepingRoutes(ctx, 'eth0', DOCKER_ETH0)
  const found = engineAddresses(eth0)
  if (found?.ip) await enableForwarding(ctx, 4)
  if (found?.ip6 && !(await enableForwarding(ctx, 6))) delete found.ip6
  return found && (found.ip || found.ip6) ? found : undefined
}

/** On exit: give the engine its eth0 back, routes included (the namespace may outlive conlink). */
export async function restoreDockerEth0(ctx: NetContext): Promise<void> {
  const r = await runIn(ctx, 'conlink', ['ip', '-j', 'link', 'show', 'dev', DOCKER_ETH0])
  if (r.exitCode === 0) await renameKeepingRoutes(ctx, DOCKER_ETH0, 'eth0')
}

async function renameKeepingRoutes(ctx: NetContext, from: string, to: string): Promise<void> {
  const list = async (args: string[]) => JSON.parse((await runIn(ctx, 'conlink', ['ip', '-j', ...args])).stdout || '[]')
  const [routes4, routes6, [link]] = await Promise.all([
    list(['route', 'show', 'dev', from]) as Promise<IpRoute[]>,
    list(['-6', 'route', 'show', 'dev', from]) as Promise<IpRoute[]>,
    list(['addr', 'show', 'dev', from]) as Promise<IpAddr[]>,
  ])
  const routes = [...routes4, ...routes6]
  // IPv4 addresses survive `link set down`; IPv6 ones do not (the kernel makes its own link-local again)
  const v6 = (link?.addr_info ?? []).filter((i) => i.family === 'inet6' && i.scope !== 'link' && i.scope !== 'host')
  log.info(`Renaming ${from} to ${to} (keeping ${routes.length} routes${v6.length ? ` and ${v6.length} IPv6 addresses` : ''})`)
  const lines = [
    ['link', 'set', 'dev', from, 'down'],
    ['link', 'set', 'dev', from, 'name', to],
    ['link', 'set', 'dev', to, 'up'],
    ...v6.map((i) => ['addr', 'replace', `${i.local}/${i.prefixlen}`, 'dev', to, 'nodad']),
    // kernel routes come back with the address when the link is up
    ...routes.filter((rt) => rt.protocol !== 'kernel').map((rt) => routeWords(rt, to)),
  ]
  const input = lines.map((l) => l.join(' ')).join('\n') + '\n'
  checked(['ip', '-batch', '-'], await runInNs(ctx, 'conlink', ['ip', '-batch', '-'], input), {})
}
