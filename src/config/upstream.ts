// The enriched config in the shape upstream conlink 2.6 prints with
// `--show-config`, for scripts written against it: bridges as
// `{bridge, mode}` (mode resolved), a link's `bridge` as that map, forwards as
// `[conlink_port, port, proto]`, `tunnels: null` when there are none, and
// empty lists and `origin` left out (a tunnel's `port` too when it is the default). Generated MACs are per replica here, so
// only MACs the config sets are printed (upstream prints a random one).
import type { BridgeSpec, CommandSpec, LinkSpec, NetworkConfig, OwnerConfig, TunnelSpec } from './types.js'
import { TUNNEL_PORTS } from './types.js'
import { setOwn } from './merge.js'

type Json = Record<string, unknown>

export interface UpstreamBridge {
  bridge: string
  mode: string
}

export interface UpstreamConfig {
  bridges: Record<string, UpstreamBridge>
  tunnels: Json[] | null
  containers: Record<string, Json>
  services: Record<string, Json>
}

export function toUpstreamShape(config: NetworkConfig): UpstreamConfig {
  const bridges: Record<string, UpstreamBridge> = {}
  for (const [name, b] of Object.entries(config.bridges)) setOwn(bridges, name, upstreamBridge(b))
  const owners = (group: Record<string, OwnerConfig>) => {
    const out: Record<string, Json> = {}
    for (const [name, owner] of Object.entries(group)) setOwn(out, name, upstreamOwner(owner, bridges))
    return out
  }
  return {
    bridges,
    tunnels: config.tunnels.length ? config.tunnels.map(upstreamTunnel) : null,
    containers: owners(config.containers),
    services: owners(config.services),
  }
}

const upstreamBridge = (b: BridgeSpec): UpstreamBridge => ({ bridge: b.bridge, mode: b['resolved-mode'] })

/** Upstream only has `links`/`commands` keys on an owner that has some. */
function upstreamOwner(owner: OwnerConfig, bridges: Record<string, UpstreamBridge>): Json {
  const out: Json = {}
  if (owner.links.length) out.links = owner.links.map((l) => upstreamLink(l, bridges))
  if (owner.commands.length) out.commands = owner.commands.map(upstreamCommand)
  return out
}

function upstreamLink(l: LinkSpec, bridges: Record<string, UpstreamBridge>): Json {
  return withoutEmpty({
    type: l.type,
    service: l.service,
    container: l.container,
    dev: l.dev,
    'outer-dev': l['outer-dev'],
    bridge: l.bridge !== undefined && Object.hasOwn(bridges, l.bridge) ? bridges[l.bridge] : l.bridge,
    ip: l.ip,
    mac: l.mac,
    mtu: l.mtu,
    route: l.route,
    nat: l.nat,
    netem: l.netem,
    mode: l.mode,
    vlanid: l.vlanid,
    forward: l.forward.map((f) => [f['conlink-port'], f.port, f.proto]),
    ethtool: l.ethtool,
    base: l.base,
  }, ['ethtool'])
}

function upstreamTunnel(t: TunnelSpec): Json {
  const port = t.port === TUNNEL_PORTS[t.type] ? undefined : t.port
  return withoutEmpty({ type: t.type, bridge: t.bridge, remote: t.remote, vni: t.vni, port, netem: t.netem })
}

function upstreamCommand(c: CommandSpec): Json {
  return withoutEmpty({ service: c.service, container: c.container, command: c.command })
}

/** Drop undefined values and empty lists (except the keys upstream always prints). */
function withoutEmpty(obj: Json, keep: string[] = []): Json {
  const out: Json = {}
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || (Array.isArray(v) && v.length === 0 && !keep.includes(k))) continue
    out[k] = v
  }
  return out
}
