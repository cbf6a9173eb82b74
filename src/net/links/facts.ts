// What each link kind and bridge mode is, as plain data: where the outer side
// lives, MAC and MTU defaults, the kernel features needed, how the outer
// side is named and described. Only types are imported, so src/config and
// src/graph read these facts without loading the net engine.
import { createHash } from 'node:crypto'
import type { ContainerInfo, LinkBase, LinkInstance, LinkSpec, LinkType, ResolvedBridgeMode } from '../../config/types.js'

export const FEATURES = [
  'veth', 'bridge', 'dummy', 'vlan', 'macvlan', 'macvtap', 'ipvlan', 'ipvtap',
  'vxlan', 'geneve', 'openvswitch', 'netem', 'mirred',
] as const
export type Feature = (typeof FEATURES)[number]

/** `ethtool --offload <dev> tx off`: applied first on veth container ends unless --keep-veth-offload. */
const VETH_OFFLOAD = '--offload tx off'

export interface LinkFacts {
  /** Where the outer side lives: the network container, the host (child of a host parent), or nowhere. */
  base: LinkBase
  /** Has a MAC of its own (given or generated); ipvlan/ipvtap children share their parent's. */
  hasMac: boolean
  /** Gets --default-mtu when it sets none (host children take their parent's MTU instead). */
  defaultMtu: boolean
  /** ethtool arguments applied before the link's own, unless --keep-veth-offload. */
  defaultEthtool: readonly string[]
  /** Has an outer end of its own in the network container, on the link's bridge (veth). */
  hasOuterEnd: boolean
  /** The kernel feature the kind needs. */
  feature: Feature
  /** The kind `ip -d link` reports for the container end. */
  kernelKind: string
  /** The outer side in a log line: ` <-> node_1-eth0 (bridge s1)`, ` (parent eth1)`, or nothing. */
  describeOuter(inst: LinkInstance): string
}

const hostChild = (type: LinkType & Feature, hasMac: boolean): LinkFacts => ({
  base: 'host', hasMac, defaultMtu: false, defaultEthtool: [], hasOuterEnd: false, feature: type, kernelKind: type,
  describeOuter: (inst) => ` (parent ${inst.parent})`,
})

export const LINK_FACTS: Record<LinkType, LinkFacts> = {
  veth: {
    base: 'conlink', hasMac: true, defaultMtu: true, defaultEthtool: [VETH_OFFLOAD], hasOuterEnd: true, feature: 'veth', kernelKind: 'veth',
    describeOuter: (inst) => ` <-> ${inst.outerEnd} (bridge ${inst.link.bridge})`,
  },
  dummy: {
    base: 'local', hasMac: true, defaultMtu: true, defaultEthtool: [], hasOuterEnd: false, feature: 'dummy', kernelKind: 'dummy',
    describeOuter: () => '',
  },
  vlan: hostChild('vlan', true),
  macvlan: hostChild('macvlan', true),
  macvtap: hostChild('macvtap', true),
  ipvlan: hostChild('ipvlan', false),
  ipvtap: hostChild('ipvtap', false),
}

export interface BridgeFacts {
  /** The kernel feature the mode needs beyond the bridge itself. */
  feature?: Feature
  /** Is a device of its own in the network container (a patch is only tc filters). */
  device: boolean
  /** Interfaces join it as they are made (`ip link add ... master B`). */
  master: boolean
}

export const BRIDGE_FACTS: Record<ResolvedBridgeMode, BridgeFacts> = {
  linux: { device: true, master: true },
  ovs: { feature: 'openvswitch', device: true, master: false },
  patch: { feature: 'mirred', device: false, master: false },
}

/** The kernel features a link needs, in the order they are checked: its kind, netem, its bridge's mode. */
export function linkFeatures(link: LinkSpec, bridgeMode: ResolvedBridgeMode | undefined): Feature[] {
  const facts = LINK_FACTS[link.type]
  const bridgeFeature = facts.hasOuterEnd && bridgeMode ? BRIDGE_FACTS[bridgeMode].feature : undefined
  return [facts.feature, ...(link.netem.length ? (['netem'] as const) : []), ...(bridgeFeature ? [bridgeFeature] : [])]
}

export const MAX_IFNAME = 15

/**
 * The outer interface name of a link for one container: explicit `outer-dev`
 * wins; service link `<service>_<index>-<dev>`; container link
 * `<container>-<dev>`; longer than 15: `c<8 of container id>-<dev>` when dev
 * has at most 5 characters, else `c<8 of container id>-<5 hex of a hash of
 * dev>` (a cut dev could repeat: `ethernet1`, `ethernet2`); links based
 * nowhere (dummy) have none. For host children the name is the host
 * parent. Without a container id (net2dot draws the config, not running
 * containers) a long name stays as it is: the drawing shows whose end it is.
 */
export function outerDevName(link: LinkSpec, container: Pick<ContainerInfo, 'index' | 'name'> & { id?: string }): string | undefined {
  if (LINK_FACTS[link.type].base === 'local') return undefined
  if (link['outer-dev'] !== undefined) return link['outer-dev']
  const name = plainOuterName(link, container.index, container.name)
  if (name.length <= MAX_IFNAME || container.id === undefined) return name
  // only the id's hex digits: an engine id is never copied into a name unchecked
  return `c${container.id.replace(/[^0-9a-fA-F]/g, '').slice(0, 8)}-${longNameTail(link.dev)}`
}

/** `<service>_<index>-<dev>` or `<container>-<dev>`, however long. */
export const plainOuterName = (link: LinkSpec, index: number, containerName = link.container ?? ''): string =>
  `${link.service !== undefined ? `${link.service}_${index}` : link.container ?? containerName.replace(/^\//, '')}-${link.dev}`

/** The dev part of a too-long name: dev itself up to 5 characters, else 5 hex of a hash of it. */
export const longNameTail = (dev: string): string => (dev.length <= 5 ? dev : createHash('sha256').update(dev).digest('hex').slice(0, 5))
