// The shapes that flow through conlink. Raw* types are what a user writes
// (after merge + interpolation); the others are the enriched config that
// `conlink config` prints and that the engine, net and graph rooms consume.
// JSON keys keep the user's spelling (kebab-case) so printed config reads
// like the input.

export const LINK_TYPES = ['veth', 'dummy', 'vlan', 'ipvlan', 'macvlan', 'ipvtap', 'macvtap'] as const
export type LinkType = (typeof LINK_TYPES)[number]

/** MTU of links that do not set one (not *vlan/*vtap). */
export const DEFAULT_MTU = 65535

export const BRIDGE_MODES = ['auto', 'linux', 'ovs', 'patch'] as const
export type BridgeMode = (typeof BRIDGE_MODES)[number]
/** A bridge mode after `auto` has been resolved against the kernel. */
export type ResolvedBridgeMode = Exclude<BridgeMode, 'auto'>

export const TUNNEL_TYPES = ['vxlan', 'geneve'] as const
export type TunnelType = (typeof TUNNEL_TYPES)[number]

/** The kernel's (and upstream conlink's) default UDP port of each tunnel type. */
export const TUNNEL_PORTS: Record<TunnelType, number> = { vxlan: 8472, geneve: 6081 }

/** Where a link's outer side lives: the network container, the host (pid 1) namespace, or nowhere. */
export type LinkBase = 'conlink' | 'host' | 'local'

/** Where a piece of config came from, for error messages: `file` and a path like `links[2]`. */
export interface Origin {
  file: string
  path: string
}

export interface RawLink {
  type?: LinkType
  service?: string
  container?: string
  bridge?: string
  'outer-dev'?: string
  dev?: string
  /** One address with prefix (IPv4 or IPv6) or a list of them. */
  ip?: string | string[]
  mac?: string
  mtu?: number
  route?: string | string[]
  nat?: string
  netem?: string | string[]
  mode?: string
  vlanid?: number
  forward?: string | string[]
  ethtool?: string | string[]
}

export interface RawBridge {
  bridge: string
  mode?: BridgeMode
}

export interface RawTunnel {
  type: TunnelType
  bridge: string
  remote: string
  vni: number
  /** UDP destination port; default TUNNEL_PORTS[type]. */
  port?: number
  netem?: string | string[]
}

export interface RawCommand {
  service?: string
  container?: string
  command: string | string[]
}

/** A parsed `forward` entry `conlink-port:port/proto`, before replica offsets. */
export interface Forward {
  'conlink-port': number
  port: number
  proto: 'tcp' | 'udp'
}

/** One link after enrichment (defaults applied, lists normalised). Not yet per-replica. */
export interface LinkSpec {
  type: LinkType
  service?: string
  container?: string
  dev: string
  /** veth: explicit outer name (else generated per instance); *vlan/*vtap: host parent interface. */
  'outer-dev'?: string
  bridge?: string
  /** As written: one IPv4/IPv6 address with prefix, or a list (see addressList in address.ts). */
  ip?: string | string[]
  /** Explicit MAC; when absent a stable `c2:` MAC is generated per instance (see linkMac). */
  mac?: string
  /** Undefined for *vlan/*vtap without an explicit mtu: the parent's MTU is used. */
  mtu?: number
  route: string[]
  nat?: string
  netem: string[]
  mode?: string
  vlanid?: number
  forward: Forward[]
  /** Each entry is ethtool arguments without the device, e.g. "--offload rx off". */
  ethtool: string[]
  base: LinkBase
  origin: Origin
}

export interface BridgeSpec {
  bridge: string
  /** The mode the user asked for (or the default). */
  mode: BridgeMode
  /** The mode actually used on this kernel. */
  'resolved-mode': ResolvedBridgeMode
}

export interface TunnelSpec {
  type: TunnelType
  bridge: string
  remote: string
  vni: number
  /** UDP destination port (the kernel's default for the type unless the config sets one). */
  port: number
  netem: string[]
  /** `<type>-<vni>`, the interface name in the network container. */
  'outer-dev': string
  origin: Origin
}

export interface CommandSpec {
  service?: string
  container?: string
  /** A string runs as `sh -c STRING` inside the target container; a list runs as argv. */
  command: string | string[]
  origin: Origin
}

export interface OwnerConfig {
  links: LinkSpec[]
  commands: CommandSpec[]
}

/** The enriched config: what `conlink config` prints and everything downstream consumes. */
export interface NetworkConfig {
  bridges: Record<string, BridgeSpec>
  tunnels: TunnelSpec[]
  services: Record<string, OwnerConfig>
  containers: Record<string, OwnerConfig>
}

export interface ConfigOptions {
  composeFiles: string[]
  networkFiles: string[]
  defaultBridgeMode: BridgeMode
  defaultMtu: number
  keepVethOffload: boolean
  /** Upstream's --config-schema: a further schema file the merged config must match. */
  configSchema?: string
}

/** A running container as the engine sees it (kept after death to delete its links). */
export interface ContainerInfo {
  id: string
  name: string
  pid: number
  /** Compose labels, when the container belongs to a compose project. */
  project?: string
  service?: string
  workingDir?: string
  /** Replica index (`com.docker.compose.container-number`), 1 for non-compose containers. */
  index: number
}

/**
 * One link of one container, ready for the kernel: replica offsets applied,
 * outer name chosen, target namespace known. Built by `instantiateLink`.
 */
export interface LinkInstance {
  link: LinkSpec
  container: ContainerInfo
  /** Interface name inside the container. */
  dev: string
  /** The outer end's name in the network container (kinds with one: veth). */
  outerEnd?: string
  /** The host parent interface (kinds based on the host: *vlan/*vtap). */
  parent?: string
  /** The link's address(es) with the replica offset applied, in the shape the link has them (IPv6 in canonical text). */
  ip?: string | string[]
  mac?: string
  mtu?: number
  forward: Forward[]
}
