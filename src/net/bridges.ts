// Bridges in the network container, one kind per mode: linux (`ip link add
// name B up type bridge mcast_snooping 0`), ovs (`ovs-vsctl add-br B`), patch (no device: see
// patch.ts). Each kind plans its create and delete, and how an interface
// attaches to it; the functions below dispatch on the bridge's resolved mode.
import type { BridgeSpec, ResolvedBridgeMode } from '../config/types.js'
import { ConlinkError } from '../errors.js'
import type { NetContext } from './context.js'
import { processRunner } from '../exec.js'
import { runIn } from './executor.js'
import { log } from '../log.js'
import { argv, ip, type Op } from './ops.js'
import { patch } from './patch.js'

export interface BridgeKind {
  /** Ops making the bridge device (with their undo), and removing it; none for a patch. */
  planCreate(b: BridgeSpec): Op[]
  planDelete(b: BridgeSpec): Op[]
  /** Words that put a new interface on the bridge as `ip link add` makes it (linux). */
  masterWords(b: BridgeSpec): string[]
  /** Ops putting an existing interface on the bridge and taking it off (ovs ports); part of the link's plan. */
  planAttach(b: BridgeSpec, dev: string, owner: string): Op[]
  planDetach(b: BridgeSpec, dev: string, owner: string): Op[]
  /**
   * Once the interface is made: records it among the bridge's members (state
   * in the context) and returns the ops that depend on the other members (patch).
   */
  join(ctx: NetContext, b: BridgeSpec, dev: string, owner: string): Op[]
  leave(ctx: NetContext, b: BridgeSpec, dev: string, owner: string): Op[]
  /** Drop a member whose join ops were undone (no kernel ops). */
  forget(ctx: NetContext, b: BridgeSpec, dev: string): void
  /** Names of existing bridges of this kind that `ip link show` may not list. */
  listExisting?(ctx: NetContext): Promise<string[]>
}

/** Bridges whose members need nothing from each other. */
const noMembership = { join: () => [], leave: () => [], forget: () => undefined } satisfies Pick<BridgeKind, 'join' | 'leave' | 'forget'>
const ownerOf = (b: BridgeSpec) => `bridge ${b.bridge}`

/**
 * Without snooping a linux bridge floods multicast as an OVS bridge does (its
 * default), so the two modes forward alike. It also makes each port's state
 * change cheap: with snooping on, the kernel restarts the multicast timers of
 * every port whenever one port comes up, which made wiring 1000 links on one
 * bridge quadratic (docs/performance.md, round 7).
 */
const LINUX_BRIDGE_OPTIONS = ['mcast_snooping', '0']

const linux: BridgeKind = {
  planCreate: (b) => [ip('conlink', ownerOf(b), ['link', 'add', 'name', b.bridge, 'up', 'type', 'bridge', ...LINUX_BRIDGE_OPTIONS], linux.planDelete(b))],
  planDelete: (b) => [ip('conlink', ownerOf(b), ['link', 'del', 'dev', b.bridge])],
  masterWords: (b) => ['master', b.bridge],
  planAttach: () => [],
  planDetach: () => [],
  ...noMembership,
}

/** ovs-vsctl waits for ovs-vswitchd forever by default: give up after 10 s with an error instead. */
export const OVS_VSCTL = ['ovs-vsctl', '--timeout=10']

const ovs: BridgeKind = {
  planCreate: (b) => [
    argv('conlink', ownerOf(b), [...OVS_VSCTL, 'add-br', b.bridge, '--', 'set', 'bridge', b.bridge, 'fail-mode=standalone'], ovs.planDelete(b)),
    ip('conlink', ownerOf(b), ['link', 'set', 'dev', b.bridge, 'up']),
  ],
  planDelete: (b) => [argv('conlink', ownerOf(b), [...OVS_VSCTL, '--if-exists', 'del-br', b.bridge])],
  masterWords: () => [],
  planAttach: (b, dev, owner) => [argv('conlink', owner, [...OVS_VSCTL, 'add-port', b.bridge, dev], ovs.planDetach(b, dev, owner))],
  planDetach: (b, dev, owner) => [argv('conlink', owner, [...OVS_VSCTL, '--if-exists', 'del-port', b.bridge, dev])],
  ...noMembership,
  async listExisting(ctx) {
    const r = await runIn(ctx, 'conlink', [...OVS_VSCTL, 'list-br'])
    return r.stdout.split('\n').map((name) => name.trim()).filter(Boolean)
  },
}

export const BRIDGE_KINDS: Record<ResolvedBridgeMode, BridgeKind> = { linux, ovs, patch }

export const bridgeKind = (b: BridgeSpec): BridgeKind => BRIDGE_KINDS[b['resolved-mode']]

export function bridgeOf(ctx: NetContext, name: string | undefined, what: string, place: { file?: string; path?: string }): BridgeSpec {
  const b = name === undefined ? undefined : ctx.bridges[name]
  if (!b) throw new ConlinkError(`${what}: unknown bridge '${name ?? ''}'`, { place })
  return b
}

/** Words that put a new interface on its bridge at creation time. */
export const masterWords = (b: BridgeSpec): string[] => bridgeKind(b).masterWords(b)

/** Ops that put an existing interface on its bridge (OVS ports are added after the interface exists). */
export const planPortAdd = (b: BridgeSpec, outer: string, owner: string): Op[] => bridgeKind(b).planAttach(b, outer, owner)

export const planPortDelete = (b: BridgeSpec, outer: string, owner: string): Op[] => bridgeKind(b).planDetach(b, outer, owner)

/** A made interface joins its bridge's members (see BridgeKind.join); leaveBridge and forgetMember undo that. */
export const joinBridge = (ctx: NetContext, b: BridgeSpec, dev: string, owner: string): Op[] => bridgeKind(b).join(ctx, b, dev, owner)

export const leaveBridge = (ctx: NetContext, b: BridgeSpec, dev: string, owner: string): Op[] => bridgeKind(b).leave(ctx, b, dev, owner)

export const forgetMember = (ctx: NetContext, b: BridgeSpec, dev: string): void => bridgeKind(b).forget(ctx, b, dev)

export const planBridgeCreate = (b: BridgeSpec): Op[] => bridgeKind(b).planCreate(b)

export const planBridgeDelete = (b: BridgeSpec): Op[] => bridgeKind(b).planDelete(b)

const OVS_CTL = '/usr/share/openvswitch/scripts/ovs-ctl'

/** OVS bridges need ovsdb-server and ovs-vswitchd running in the network container. */
export async function startOvsIfNeeded(ctx: NetContext, bridges: BridgeSpec[]): Promise<void> {
  const ovsBridges = bridges.filter((b) => bridgeKind(b) === ovs)
  if (ovsBridges.length === 0) return
  if (!ctx.capabilities.openvswitch) {
    throw new ConlinkError(`bridge ${ovsBridges[0].bridge} needs Open vSwitch, but this kernel has no openvswitch module`, {
      hint: 'load it on the host (`modprobe openvswitch`) or use mode linux',
    })
  }
  log.info('Starting Open vSwitch daemons')
  await (ctx.runner ?? processRunner).run([OVS_CTL, 'start', '--system-id=random', '--no-monitor'], { timeoutMs: 30_000 })
}
