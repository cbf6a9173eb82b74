// Bridges in the network container: linux (`ip link add name B up type bridge`),
// ovs (`ovs-vsctl add-br B`), patch (no device: see patch.ts).
import type { BridgeSpec } from '../config/types.js'
import { ConlinkError } from '../errors.js'
import type { NetContext } from './context.js'
import { processRunner } from '../exec.js'
import { log } from '../log.js'
import { argv, ip, type Op } from './ops.js'

/** ovs-vsctl waits for ovs-vswitchd forever by default: give up after 10 s with an error instead. */
export const OVS_VSCTL = ['ovs-vsctl', '--timeout=10']

export function bridgeOf(ctx: NetContext, name: string | undefined, what: string, place: { file?: string; path?: string }): BridgeSpec {
  const b = name === undefined ? undefined : ctx.bridges[name]
  if (!b) throw new ConlinkError(`${what}: unknown bridge '${name ?? ''}'`, { place })
  return b
}

/** Words that put a new interface on a linux bridge at creation time. */
export function masterWords(b: BridgeSpec): string[] {
  return b['resolved-mode'] === 'linux' ? ['master', b.bridge] : []
}

/** OVS ports are added after the interface exists. */
export function planPortAdd(b: BridgeSpec, outer: string, owner: string): Op[] {
  if (b['resolved-mode'] !== 'ovs') return []
  return [argv('conlink', owner, [...OVS_VSCTL, 'add-port', b.bridge, outer], planPortDelete(b, outer, owner))]
}

export function planPortDelete(b: BridgeSpec, outer: string, owner: string): Op[] {
  if (b['resolved-mode'] !== 'ovs') return []
  return [argv('conlink', owner, [...OVS_VSCTL, '--if-exists', 'del-port', b.bridge, outer])]
}

export function planBridgeCreate(b: BridgeSpec): Op[] {
  const owner = `bridge ${b.bridge}`
  switch (b['resolved-mode']) {
    case 'linux':
      return [ip('conlink', owner, ['link', 'add', 'name', b.bridge, 'up', 'type', 'bridge'], planBridgeDelete(b))]
    case 'ovs':
      return [argv('conlink', owner, [...OVS_VSCTL, 'add-br', b.bridge, '--', 'set', 'bridge', b.bridge, 'fail-mode=standalone'], planBridgeDelete(b)),
        ip('conlink', owner, ['link', 'set', 'dev', b.bridge, 'up'])]
    case 'patch':
      return []
  }
}

export function planBridgeDelete(b: BridgeSpec): Op[] {
  const owner = `bridge ${b.bridge}`
  switch (b['resolved-mode']) {
    case 'linux':
      return [ip('conlink', owner, ['link', 'del', 'dev', b.bridge])]
    case 'ovs':
      return [argv('conlink', owner, [...OVS_VSCTL, '--if-exists', 'del-br', b.bridge])]
    case 'patch':
      return []
  }
}

const OVS_CTL = '/usr/share/openvswitch/scripts/ovs-ctl'

/** OVS bridges need ovsdb-server and ovs-vswitchd running in the network container. */
export async function startOvsIfNeeded(ctx: NetContext, bridges: BridgeSpec[]): Promise<void> {
  const ovs = bridges.filter((b) => b['resolved-mode'] === 'ovs')
  if (ovs.length === 0) return
  if (!ctx.capabilities.openvswitch) {
    throw new ConlinkError(`bridge ${ovs[0].bridge} needs Open vSwitch, but this kernel has no openvswitch module`, {
      hint: 'load it on the host (`modprobe openvswitch`) or use mode linux',
    })
  }
  log.info('Starting Open vSwitch daemons')
  await (ctx.runner ?? processRunner).run([OVS_CTL, 'start', '--system-id=random', '--no-monitor'], { timeoutMs: 30_000 })
}
