// net2dot's input: the config JSON that `conlink config` prints, in conlink's
// shape or upstream conlink's `--show-config` shape (`conlink config --format
// upstream`): bridges of links as `{bridge, mode}` maps, `tunnels: null`,
// owners without `links`. Both become a NetworkConfig; anything else is
// reported with its path.
import { ConlinkError } from '../errors.js'
import type { BridgeSpec, LinkSpec, NetworkConfig, OwnerConfig, TunnelSpec } from '../config/types.js'
import { LINK_TYPES, TUNNEL_PORTS, TUNNEL_TYPES } from '../config/types.js'
import { LINK_FACTS } from '../net/links/facts.js'

const HINT = 'give the output of `conlink config` (or of upstream conlink\'s --show-config)'

type Json = Record<string, unknown>
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

class Reader {
  constructor(private readonly file: string) {}

  fail(path: string, what: string): never {
    throw new ConlinkError(what, { place: { file: this.file, path }, hint: HINT })
  }

  map(v: unknown, path: string): Json {
    return isMap(v) ? v : this.fail(path, `missing or not a map: ${path}`)
  }

  list(v: unknown, path: string): unknown[] {
    return Array.isArray(v) ? v : this.fail(path, `not a list: ${path}`)
  }

  string(obj: Json, key: string, path: string, optional = false): string | undefined {
    const v = obj[key]
    if (v === undefined && optional) return undefined
    return typeof v === 'string' && v !== '' ? v : this.fail(`${path}.${key}`, `missing or not a string: ${path}.${key} (${describe(v)})`)
  }

  oneOf<T extends string>(obj: Json, key: string, path: string, options: readonly T[], fallback?: T): T {
    const v = obj[key] ?? fallback
    return options.includes(v as T) ? (v as T) : this.fail(`${path}.${key}`, `${path}.${key} must be one of ${options.join(', ')} (${describe(v)})`)
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing'
  const text = JSON.stringify(v) ?? String(v)
  return `got ${text.length > 40 ? text.slice(0, 37) + '...' : text}`
}

/** The config JSON (either shape), checked and made a NetworkConfig. */
export function parseConfigJson(text: string, file = '<stdin>'): NetworkConfig {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    throw new ConlinkError(`not JSON: ${(e as Error).message}`, { place: { file }, hint: HINT })
  }
  const r = new Reader(file)
  const obj: Json = isMap(data) ? data : r.fail('', `not a config map with bridges, tunnels, services and containers (${describe(data)})`)
  const bridges = r.map(obj.bridges, 'bridges')
  for (const [name, b] of Object.entries(bridges)) readBridge(r, name, b)
  if (obj.tunnels !== null && !Array.isArray(obj.tunnels)) r.fail('tunnels', 'missing or not a list: tunnels (null when there are none)')
  obj.tunnels = ((obj.tunnels ?? []) as unknown[]).map((t, i) => readTunnel(r, t, `tunnels[${i}]`))
  for (const group of ['services', 'containers'] as const) {
    const owners = r.map(obj[group], group)
    for (const [name, o] of Object.entries(owners)) readOwner(r, o, `${group}.${name}`)
  }
  return obj as unknown as NetworkConfig
}

function readBridge(r: Reader, name: string, v: unknown): BridgeSpec {
  const path = `bridges.${name}`
  const b = r.map(v, path)
  r.string(b, 'bridge', path)
  const mode = r.oneOf(b, 'mode', path, ['auto', 'linux', 'ovs', 'patch'])
  // upstream prints the resolved mode as `mode`
  if (b['resolved-mode'] === undefined) b['resolved-mode'] = mode === 'auto' ? 'linux' : mode
  r.oneOf(b, 'resolved-mode', path, ['linux', 'ovs', 'patch'])
  return b as unknown as BridgeSpec
}

function readTunnel(r: Reader, v: unknown, path: string): TunnelSpec {
  const t = r.map(v, path)
  const type = r.oneOf(t, 'type', path, TUNNEL_TYPES)
  t.bridge = bridgeName(r, t, path)
  r.string(t, 'remote', path)
  if (typeof t.vni !== 'number') r.fail(`${path}.vni`, `missing or not a number: ${path}.vni (${describe(t.vni)})`)
  t.port ??= TUNNEL_PORTS[type]
  t.netem ??= []
  t['outer-dev'] ??= `${type}-${t.vni}`
  return t as unknown as TunnelSpec
}

function readOwner(r: Reader, v: unknown, path: string): OwnerConfig {
  const o = r.map(v, path)
  o.links = r.list(o.links ?? [], `${path}.links`).map((l, i) => readLink(r, l, `${path}.links[${i}]`))
  o.commands = r.list(o.commands ?? [], `${path}.commands`)
  return o as unknown as OwnerConfig
}

function readLink(r: Reader, v: unknown, path: string): LinkSpec {
  const l = r.map(v, path)
  const type = r.oneOf(l, 'type', path, LINK_TYPES, 'veth')
  l.type = type
  l.dev ??= 'eth0'
  r.string(l, 'dev', path)
  if (l.bridge !== undefined) l.bridge = bridgeName(r, l, path)
  if (LINK_FACTS[type].hasOuterEnd && l.bridge === undefined) r.fail(`${path}.bridge`, `missing: ${path}.bridge (veth links are drawn in their bridge)`)
  for (const key of ['outer-dev', 'ip', 'mode'] as const) r.string(l, key, path, true)
  l.base ??= LINK_FACTS[type].base
  for (const key of ['route', 'netem', 'forward', 'ethtool'] as const) l[key] ??= []
  return l as unknown as LinkSpec
}

/** A bridge given by name (conlink) or as upstream's `{bridge, mode}` map. */
function bridgeName(r: Reader, obj: Json, path: string): string {
  const b = obj.bridge
  if (isMap(b)) return r.string(b, 'bridge', `${path}.bridge`)!
  return r.string(obj, 'bridge', path)!
}
