// The interface every link kind implements, and the container-side
// configuration they share (ip, up, routes, netem, ethtool, nat).
import type { LinkInstance } from '../../config/types.js'
import { addressList, addressOfFamily, familyOf, linkLocalFromMac } from '../../config/address.js'
import { ConlinkError } from '../../errors.js'
import type { NetContext } from '../context.js'
import { ipv6Disabled } from '../kernel-errors.js'
import { addrOf, ethtool as ethtoolOp, iptDelete, iptRule, ip, tc, words, type Op } from '../ops.js'
import { linkLabel } from '../../config/label.js'
import { LINK_FACTS, type LinkFacts } from './facts.js'

export interface LinkPlan {
  /** Creates the interface: one atomic op per link (a "File exists" failure means it is already there). */
  create: Op[]
  /** Configures it once it exists. */
  configure: Op[]
}

export interface LinkKind {
  /** What the kind is (facts.ts): base, MAC, MTU, kernel feature, outer side. */
  facts: LinkFacts
  planAdd(inst: LinkInstance, ctx: NetContext): LinkPlan
  /** Best-effort removal; ops in the container namespace are skipped by the caller when the container is gone. */
  planDelete(inst: LinkInstance, ctx: NetContext): Op[]
}

/** `address MAC` (kinds with a MAC of their own) and `mtu N` words for `ip link add`, when set. */
export function macMtuWords(inst: LinkInstance): string[] {
  const mac = LINK_FACTS[inst.link.type].hasMac ? inst.mac : undefined
  return [...(mac ? ['address', mac] : []), ...(inst.mtu ? ['mtu', String(inst.mtu)] : [])]
}

/** The nat rules and their family (ip6tables for an IPv6 nat): SNAT to the link's address of the same family. */
function natRules(inst: LinkInstance): { family: 4 | 6; rules: string[][] } {
  const nat = inst.link.nat
  if (!nat || !inst.ip) return { family: 4, rules: [] }
  const family = familyOf(nat) ?? 4
  const own = addressOfFamily(inst.ip, family)
  if (!own)
    throw new ConlinkError(`link ${linkLabel(inst)}: nat ${nat} is IPv${family} but the link has no IPv${family} ip`, {
      place: { file: inst.link.origin.file, path: `${inst.link.origin.path}.nat` },
      hint: `add an IPv${family} address to ip, or use a nat address of the link's family`,
    })
  return {
    family,
    rules: [
      ['PREROUTING', '-i', inst.dev, '-j', 'DNAT', '--to-destination', nat],
      ['POSTROUTING', '-o', inst.dev, '-j', 'SNAT', '--to-source', addrOf(own)],
    ],
  }
}

/** `ip addr add` words: IPv6 addresses are usable at once (`nodad`), so a link is ready when it is reported connected. */
export function addrAddWords(cidr: string, dev: string): string[] {
  return ['addr', 'add', cidr, 'dev', dev, ...(familyOf(cidr) === 6 ? ['nodad'] : [])]
}

/**
 * With IPv6 addresses, the link-local address is made by conlink (EUI-64 of
 * the link's MAC, `nodad`) instead of the kernel: a tentative link-local
 * keeps a router from sending neighbour solicitations for traffic it
 * forwards, for the second or so that DAD takes.
 */
function planLinkLocal(inst: LinkInstance, pid: number, id: string): Op[] {
  if (!inst.mac || !addressList(inst.ip).some((a) => familyOf(a) === 6)) return []
  return [
    ip(pid, id, ['link', 'set', 'dev', inst.dev, 'addrgenmode', 'none']),
    ip(pid, id, addrAddWords(`${linkLocalFromMac(inst.mac)}/64`, inst.dev)),
  ]
}

/** Container-side ops once the interface exists: address, up, routes, netem, ethtool, nat. */
export function planContainerConfig(inst: LinkInstance, ethtool: string[] = inst.link.ethtool): Op[] {
  const id = linkLabel(inst)
  const pid = inst.container.pid
  const dev = inst.dev
  const ops: Op[] = [...planLinkLocal(inst, pid, id)]
  for (const cidr of addressList(inst.ip)) ops.push(ip(pid, id, addrAddWords(cidr, dev)))
  ops.push(ip(pid, id, ['link', 'set', 'dev', dev, 'up']))
  for (const route of inst.link.route) ops.push(ip(pid, id, ['route', 'add', ...words(route), 'dev', dev]))
  // all netem entries form one root qdisc (a device has one root)
  const netem = inst.link.netem.flatMap(words)
  if (netem.length) ops.push(tc(pid, id, ['qdisc', 'replace', 'dev', dev, 'root', 'netem', ...netem]))
  for (const e of ethtool) {
    const [first, ...rest] = words(e)
    ops.push(ethtoolOp(pid, id, [first, dev, ...rest]))
  }
  const nat = natRules(inst)
  for (const rule of nat.rules) ops.push(iptRule(pid, id, 'nat', rule, nat.family))
  return ops
}

/** Why a configure op failed, in words a person can act on (IPv6 switched off in the container). */
export function configureFailureHint(op: Op, msg: string): string | undefined {
  if (!ipv6Disabled(msg)) return undefined
  const sysctls = 'sysctls net.ipv6.conf.all.disable_ipv6: 0 and net.ipv6.conf.default.disable_ipv6: 0 (docker run --sysctl ...)'
  return op.ns === 'conlink'
    ? `IPv6 is switched off in the network container (Docker leaves it off for interfaces made after start): give the network service ${sysctls}`
    : `IPv6 is switched off in the container (Docker does so for network_mode: none and IPv4-only networks): give the service ${sysctls}`
}

/** Container-side removal of what outlives the interface (nat rules). */
export function planContainerUnconfig(inst: LinkInstance): Op[] {
  const nat = natRules(inst)
  return nat.rules.map((rule) => iptDelete(inst.container.pid, linkLabel(inst), 'nat', rule, nat.family))
}

/** Deleting an interface that lives in the container (all kinds but veth). */
export function planDeleteInContainer(inst: LinkInstance): Op[] {
  return [...planContainerUnconfig(inst), ip(inst.container.pid, linkLabel(inst), ['link', 'del', 'dev', inst.dev])]
}
