// The interface every link kind implements, and the container-side
// configuration they share (ip, up, routes, netem, ethtool, nat).
import type { LinkInstance } from '../../config/types.js'
import type { Feature } from '../capabilities.js'
import type { NetContext } from '../context.js'
import { addrOf, ethtool as ethtoolOp, iptDelete, iptRule, ip, tc, words, type Op } from '../ops.js'
import { linkLabel } from '../../config/label.js'

export interface LinkPlan {
  /** Creates the interface: one atomic op per link (a "File exists" failure means it is already there). */
  create: Op[]
  /** Configures it once it exists. */
  configure: Op[]
}

export interface LinkKind {
  /** The kernel feature the kind needs. */
  feature: Feature
  /** The kind `ip -d link` reports for the container end. */
  kernelKind: string
  planAdd(inst: LinkInstance, ctx: NetContext): LinkPlan
  /** Best-effort removal; ops in the container namespace are skipped by the caller when the container is gone. */
  planDelete(inst: LinkInstance, ctx: NetContext): Op[]
}

/** `address MAC` and `mtu N` words for `ip link add`, when set. */
export function macMtuWords(inst: LinkInstance, withMac = true): string[] {
  return [...(withMac && inst.mac ? ['address', inst.mac] : []), ...(inst.mtu ? ['mtu', String(inst.mtu)] : [])]
}

function natRules(inst: LinkInstance): string[][] {
  if (!inst.link.nat || !inst.ip) return []
  return [
    ['PREROUTING', '-i', inst.dev, '-j', 'DNAT', '--to-destination', inst.link.nat],
    ['POSTROUTING', '-o', inst.dev, '-j', 'SNAT', '--to-source', addrOf(inst.ip)],
  ]
}

/** Container-side ops once the interface exists: address, up, routes, netem, ethtool, nat. */
export function planContainerConfig(inst: LinkInstance, ethtool: string[] = inst.link.ethtool): Op[] {
  const id = linkLabel(inst)
  const pid = inst.container.pid
  const dev = inst.dev
  const ops: Op[] = []
  if (inst.ip) ops.push(ip(pid, id, ['addr', 'add', inst.ip, 'dev', dev]))
  ops.push(ip(pid, id, ['link', 'set', 'dev', dev, 'up']))
  for (const route of inst.link.route) ops.push(ip(pid, id, ['route', 'add', ...words(route), 'dev', dev]))
  // all netem entries form one root qdisc (a device has one root)
  const netem = inst.link.netem.flatMap(words)
  if (netem.length) ops.push(tc(pid, id, ['qdisc', 'replace', 'dev', dev, 'root', 'netem', ...netem]))
  for (const e of ethtool) {
    const [first, ...rest] = words(e)
    ops.push(ethtoolOp(pid, id, [first, dev, ...rest]))
  }
  for (const rule of natRules(inst)) ops.push(iptRule(pid, id, 'nat', rule))
  return ops
}

/** Container-side removal of what outlives the interface (nat rules). */
export function planContainerUnconfig(inst: LinkInstance): Op[] {
  return natRules(inst).map((rule) => iptDelete(inst.container.pid, linkLabel(inst), 'nat', rule))
}

/** Deleting an interface that lives in the container (all kinds but veth). */
export function planDeleteInContainer(inst: LinkInstance): Op[] {
  return [...planContainerUnconfig(inst), ip(inst.container.pid, linkLabel(inst), ['link', 'del', 'dev', inst.dev])]
}
