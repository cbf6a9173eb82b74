// Plan as data: an Op is one kernel operation tagged with the namespace it
// runs in. Link kinds return Ops; only the executor runs them.
import type { Family } from '../config/address.js'

/** Where an op runs: the network container, the host (pid 1, for *vlan parents), or a container (its pid). */
export type Ns = 'conlink' | 'host' | number

/**
 * `ip` and `tc`: the words after the program (batched per namespace);
 * `iptables`: a rule such as `-A PREROUTING ...` in `table` (batched with iptables-restore);
 * `ip6tables`: the same for IPv6 (ip6tables-restore);
 * `ethtool`: the words after `ethtool` (several in one namespace run through one `xargs -L 1 ethtool`);
 * `argv`: a whole program argv, run on its own.
 */
export type OpKind = 'ip' | 'tc' | 'iptables' | 'ip6tables' | 'ethtool' | 'argv'

export interface Op {
  ns: Ns
  kind: OpKind
  args: string[]
  table?: 'nat' | 'mangle' | 'filter'
  /** What this op belongs to: `container:dev`, a bridge or a tunnel name; failures are reported per owner. */
  owner: string
  /** Ops that reverse this one, run if a later op of the same owner fails. */
  undo?: Op[]
}

export const ip = (ns: Ns, owner: string, args: string[], undo?: Op[]): Op => ({ ns, kind: 'ip', args, owner, undo })
export const tc = (ns: Ns, owner: string, args: string[], undo?: Op[]): Op => ({ ns, kind: 'tc', args, owner, undo })
export const ethtool = (ns: Ns, owner: string, args: string[]): Op => ({ ns, kind: 'ethtool', args, owner })
export const argv = (ns: Ns, owner: string, args: string[], undo?: Op[]): Op => ({ ns, kind: 'argv', args, owner, undo })

/** An iptables (family 6: ip6tables) rule with `-A`; its undo is the same rule with `-D`. */
export function iptRule(ns: Ns, owner: string, table: Op['table'], rule: string[], family: Family = 4): Op {
  return { ns, kind: iptKind(family), table, args: ['-A', ...rule], owner, undo: [iptDelete(ns, owner, table, rule, family)] }
}

export function iptDelete(ns: Ns, owner: string, table: Op['table'], rule: string[], family: Family = 4): Op {
  return { ns, kind: iptKind(family), table, args: ['-D', ...rule], owner }
}

const iptKind = (family: Family): 'iptables' | 'ip6tables' => (family === 6 ? 'ip6tables' : 'iptables')

/** iptables or ip6tables rules (batched with iptables-restore / ip6tables-restore). */
export const isIptables = (op: Op): boolean => op.kind === 'iptables' || op.kind === 'ip6tables'

/** Split a config string such as a route or netem options into words. */
export function words(s: string): string[] {
  return s.trim().split(/\s+/).filter(Boolean)
}

/** The address part of a CIDR. */
export function addrOf(cidr: string): string {
  return cidr.split('/')[0]
}

/**
 * A word is safe in an `ip -batch`/`tc -batch`/`iptables-restore`/`xargs` line when
 * their line parsers cannot read it as anything but one word (no quotes,
 * comments, escapes or whitespace). Other ops run with a plain argv instead,
 * so config values always reach the program as data.
 */
export function batchSafe(op: Op): boolean {
  return op.args.every((w) => w.length > 0 && !/[\s"'#\\\0]/.test(w))
}

/** The full argv of an op run on its own (no batch). */
export function soloArgv(op: Op): string[] {
  switch (op.kind) {
    case 'ip':
      return ['ip', ...op.args]
    case 'tc':
      return ['tc', ...op.args]
    case 'ethtool':
      return ['ethtool', ...op.args]
    case 'iptables':
    case 'ip6tables':
      return [op.kind, '-w', '-t', op.table ?? 'filter', ...op.args]
    case 'argv':
      return op.args
  }
}

/** One human-readable line for an op (logs, dry runs, tests). */
export function describeOp(op: Op): string {
  const where = op.ns === 'conlink' ? 'network' : op.ns === 'host' ? 'host' : `pid ${op.ns}`
  return `[${where}] ${soloArgv(op).join(' ')}`
}
