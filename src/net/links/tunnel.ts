// Tunnels: `<type>-<vni>` in the network container, on the bridge.
import { TUNNEL_PORTS, type TunnelSpec } from '../../config/types.js'
import { bridgeOf, masterWords, planPortAdd, planPortDelete } from '../bridges.js'
import type { NetContext } from '../context.js'
import { ip, tc, words, type Op } from '../ops.js'

export const tunnelId = (t: TunnelSpec): string => `tunnel ${t['outer-dev']}`

export function tunnelBridge(t: TunnelSpec, ctx: NetContext) {
  return bridgeOf(ctx, t.bridge, tunnelId(t), { file: t.origin.file, path: `${t.origin.path}.bridge` })
}

/** vxlan always names its port (ip warns without one); geneve only when not the default. */
function typeArgs(t: TunnelSpec): string[] {
  const common = ['id', String(t.vni), 'remote', t.remote]
  const port = t.port ?? TUNNEL_PORTS[t.type]
  return t.type === 'vxlan' || port !== TUNNEL_PORTS[t.type] ? [...common, 'dstport', String(port)] : common
}

export function planTunnelAdd(t: TunnelSpec, ctx: NetContext): { create: Op[]; configure: Op[] } {
  const id = tunnelId(t)
  const dev = t['outer-dev']
  const b = tunnelBridge(t, ctx)
  const netem = t.netem.flatMap(words)
  return {
    create: [ip('conlink', id, ['link', 'add', 'name', dev, ...masterWords(b), 'up', 'type', t.type, ...typeArgs(t)],
      [ip('conlink', id, ['link', 'del', 'dev', dev])])],
    configure: [...planPortAdd(b, dev, id), ...(netem.length ? [tc('conlink', id, ['qdisc', 'replace', 'dev', dev, 'root', 'netem', ...netem])] : [])],
  }
}

export function planTunnelDelete(t: TunnelSpec, ctx: NetContext): Op[] {
  const id = tunnelId(t)
  return [...planPortDelete(tunnelBridge(t, ctx), t['outer-dev'], id), ip('conlink', id, ['link', 'del', 'dev', t['outer-dev']])]
}
