// Port forwards: traffic arriving on the network container's DOCKER-ETH0 for
// proto/conlink-port is DNATed to the link's ip:port, marked, and
// masqueraded out of the bridge (the bridge has no address, so the source
// becomes DOCKER-ETH0's; the container gets a /32 route back to it).
import type { LinkInstance } from '../config/types.js'
import { ConlinkError } from '../errors.js'
import { log } from '../log.js'
import type { NetContext } from './context.js'
import { inNs, runIn } from './executor.js'
import { run } from '../exec.js'
import { addrOf, iptDelete, iptRule, ip, type Op } from './ops.js'
import { linkLabel } from '../config/label.js'

export const DOCKER_ETH0 = 'DOCKER-ETH0'
/** Marks forwarded connections so only they are masqueraded (bridged traffic with br_netfilter is left alone). */
export const FORWARD_MARK = '0x636c/0xffff'

function forwardRules(inst: LinkInstance, bridge: string): Array<[table: 'nat' | 'mangle', rule: string[]]> {
  const ipaddr = addrOf(inst.ip!)
  return inst.forward.flatMap((f) => {
    const match = ['-p', f.proto, '-m', f.proto]
    return [
      ['mangle', ['PREROUTING', '-i', DOCKER_ETH0, ...match, '--dport', String(f['conlink-port']), '-j', 'MARK', '--set-xmark', FORWARD_MARK]],
      ['nat', ['PREROUTING', '-i', DOCKER_ETH0, ...match, '--dport', String(f['conlink-port']), '-j', 'DNAT', '--to-destination', `${ipaddr}:${f.port}`]],
      ['nat', ['POSTROUTING', '-o', bridge, '-m', 'mark', '--mark', FORWARD_MARK, '-d', `${ipaddr}/32`, ...match, '--dport', String(f.port), '-j', 'MASQUERADE']],
    ] as Array<['nat' | 'mangle', string[]]>
  })
}

function requireForwardable(inst: LinkInstance, ctx: NetContext): { ipaddr: string; docker: string } {
  const place = { file: inst.link.origin.file, path: `${inst.link.origin.path}.forward` }
  if (!inst.ip) throw new ConlinkError(`link ${linkLabel(inst)}: forward needs an ip`, { place })
  if (!ctx.dockerEth0)
    throw new ConlinkError(`link ${linkLabel(inst)}: forward needs the network container's engine-provided eth0 (${DOCKER_ETH0})`, {
      place,
      hint: 'do not use network_mode: none for the network container',
    })
  return { ipaddr: addrOf(inst.ip), docker: addrOf(ctx.dockerEth0.ip) }
}

/** Network-namespace ops (route + rules) and the container's /32 route to DOCKER-ETH0. */
export function planForwards(inst: LinkInstance, ctx: NetContext, bridge: string): Op[] {
  if (inst.forward.length === 0) return []
  const { ipaddr, docker } = requireForwardable(inst, ctx)
  const id = linkLabel(inst)
  const route = ['route', 'replace', `${ipaddr}/32`, 'dev', bridge]
  return [
    ip('conlink', id, route, [ip('conlink', id, ['route', 'del', `${ipaddr}/32`, 'dev', bridge])]),
    ...forwardRules(inst, bridge).map(([table, rule]) => iptRule('conlink', id, table, rule)),
    ip(inst.container.pid, id, ['route', 'replace', `${docker}/32`, 'dev', inst.dev]),
  ]
}

export function planForwardsDelete(inst: LinkInstance, bridge: string): Op[] {
  if (inst.forward.length === 0 || !inst.ip) return []
  const id = linkLabel(inst)
  return [
    ip('conlink', id, ['route', 'del', `${addrOf(inst.ip)}/32`, 'dev', bridge]),
    ...forwardRules(inst, bridge).map(([table, rule]) => iptDelete('conlink', id, table, rule)),
  ]
}

interface IpAddr { ifname: string; linkinfo?: { info_kind?: string }; master?: string; addr_info?: Array<{ family: string; local: string; prefixlen: number }> }
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

/**
 * Rename the network container's own eth0 to DOCKER-ETH0 (keeping its
 * addresses and routes) so links named eth0 can be created, and turn on
 * forwarding. Returns the address, or undefined when there is no eth0 (or
 * eth0 is on a conlink bridge, i.e. conlink made it).
 */
export async function renameDockerEth0(ctx: NetContext): Promise<{ ip: string } | undefined> {
  const r = await runIn(ctx, 'conlink', ['ip', '-j', '-d', 'addr', 'show'])
  const links = JSON.parse(r.stdout || '[]') as IpAddr[]
  const renamed = links.find((l) => l.ifname === DOCKER_ETH0)
  const eth0 = links.find((l) => l.ifname === 'eth0')
  if (renamed && !eth0) return ipv4(renamed) ? { ip: ipv4(renamed)! } : undefined
  if (!eth0 || (eth0.master && ctx.bridges[eth0.master])) {
    log.info('No engine-provided eth0 in the network container')
    return undefined
  }
  await renameKeepingRoutes(ctx, 'eth0', DOCKER_ETH0)
  // /proc/sys is read-only in an unprivileged container: write only when the
  // compose file did not already turn forwarding on (sysctls: net.ipv4.ip_forward: 1)
  const forwarding = await runIn(ctx, 'conlink', ['sysctl', '-n', 'net.ipv4.ip_forward'])
  if (forwarding.stdout.trim() !== '1') await run(inNs(ctx, 'conlink', ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']))
  const ipaddr = ipv4(eth0)
  return ipaddr ? { ip: ipaddr } : undefined
}

/** On exit: give the engine its eth0 back, routes included (the namespace may outlive conlink). */
export async function restoreDockerEth0(ctx: NetContext): Promise<void> {
  const r = await runIn(ctx, 'conlink', ['ip', '-j', 'link', 'show', 'dev', DOCKER_ETH0])
  if (r.exitCode === 0) await renameKeepingRoutes(ctx, DOCKER_ETH0, 'eth0')
}

async function renameKeepingRoutes(ctx: NetContext, from: string, to: string): Promise<void> {
  const routes = JSON.parse((await runIn(ctx, 'conlink', ['ip', '-j', 'route', 'show', 'dev', from])).stdout || '[]') as IpRoute[]
  log.info(`Renaming ${from} to ${to} (keeping ${routes.length} routes)`)
  const lines = [
    ['link', 'set', 'dev', from, 'down'],
    ['link', 'set', 'dev', from, 'name', to],
    ['link', 'set', 'dev', to, 'up'],
    // kernel routes come back with the address when the link is up
    ...routes.filter((rt) => rt.protocol !== 'kernel').map((rt) => routeWords(rt, to)),
  ]
  const input = lines.map((l) => l.join(' ')).join('\n') + '\n'
  await run(inNs(ctx, 'conlink', ['ip', '-batch', '-']), { input })
}
