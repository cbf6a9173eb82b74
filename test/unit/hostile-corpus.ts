// The hostile-input corpus (helper H9): config values that try to run a
// command, inject a line into an `ip -batch` / `tc -batch` /
// iptables-restore / xargs script, or smuggle in an option. Each payload
// tries to create its own canary file, so a live run can prove nothing ran.
import type { ContainerInfo, NetworkConfig } from '../../src/config/types.js'
import type { Capabilities } from '../../src/net/capabilities.js'
import { FEATURES } from '../../src/net/capabilities.js'
import type { NetContext } from '../../src/net/index.js'
import { batchSafe, soloArgv, type Op } from '../../src/net/ops.js'

export const CANARY_DIR = '/tmp'
export const canaryPath = (n: number): string => `${CANARY_DIR}/h9-canary-${n}`
/** A named netns the live test creates, so an injected `netns exec` batch line WOULD run if it got through. */
export const CANARY_NETNS = 'h9-canary-ns'

/** Payload templates; `C` is replaced by the canary path of the case. */
const TEMPLATES: string[] = [
  'x; touch C',
  'x;touch C',
  'x && touch C',
  'x || touch C',
  'x | touch C',
  'x & touch C',
  '$(touch C)',
  'x$(touch C)',
  '$$(touch C)',
  '${IFS}touch${IFS}C',
  '`touch C`',
  "x'; touch C; echo '",
  'x"; touch C; echo "',
  'x\ntouch C',
  'x\r\ntouch C',
  'x\\\ntouch C',
  'x > C',
  'x >> C',
  'x < C',
  'x\tC',
  '-rf',
  '--help',
  '-batch C',
  '-exec touch C',
  'touch C',
  // a second `ip -batch` line that would really run: the live test creates this netns
  `default via 10.0.0.1\nnetns exec ${CANARY_NETNS} touch C`,
  `x\nnetns exec ${CANARY_NETNS} touch C`,
  'default via 10.0.0.1\nlink del dev eth0',
  `default via 10.0.0.1 # \nnetns exec ${CANARY_NETNS} touch C`,
  // words a batch line parser would read specially
  `x "netns exec ${CANARY_NETNS} touch C"`,
  `x # netns exec ${CANARY_NETNS} touch C`,
  // an extra iptables-restore line
  '10.0.0.1\nCOMMIT\n*filter\n-A INPUT -j DROP',
  '10.0.0.1 -j DROP',
  // options and the kernel's name template
  'eth%d',
  '-x',
  '.',
  '..',
  'a/b',
  'a:b',
  'x\u0000touch C',
  'etｈ0',
  '💥',
  'x'.repeat(300),
  '',
  ' ',
  // plain words that only ever reach a program as data
  `netns exec ${CANARY_NETNS} touch C`,
  '10.8.0.0/24 via 10.9.0.254\'; touch C; echo \'',
  'delay 10ms (touch C)',
  '{touch,C}',
  '*',
  '~root',
  '!touch',
]

export interface Payload {
  n: number
  value: string
}

/** The corpus, each payload with its own canary number (offset lets files use disjoint ranges). */
export function payloads(offset = 0): Payload[] {
  return TEMPLATES.map((t, i) => ({ n: offset + i, value: t.replaceAll('C', canaryPath(offset + i)) }))
}

export const CORPUS_SIZE = TEMPLATES.length

/** Where a payload goes: a config built around it. */
export interface Target {
  name: string
  build(v: string): Record<string, unknown>
}

const veth = (over: Record<string, unknown>) => ({ links: [{ service: 'node', bridge: 's1', ip: '10.0.0.2/24', ...over }] })

/** Every string property of the config, each in a minimal otherwise-valid config. */
export const TARGETS: Target[] = [
  { name: 'links[].route', build: (v) => veth({ route: v }) },
  { name: 'links[].route[]', build: (v) => veth({ route: ['10.9.0.0/16 via 10.0.0.1', v] }) },
  { name: 'links[].netem', build: (v) => veth({ netem: v }) },
  { name: 'links[].ethtool', build: (v) => veth({ ethtool: v }) },
  { name: 'links[].ethtool[] (option word)', build: (v) => veth({ ethtool: [`${v} rx off`] }) },
  { name: 'links[].dev', build: (v) => veth({ dev: v }) },
  { name: 'links[].outer-dev', build: (v) => veth({ 'outer-dev': v }) },
  { name: 'links[].outer-dev (macvlan parent)', build: (v) => ({ links: [{ service: 'node', type: 'macvlan', 'outer-dev': v, mode: 'bridge' }] }) },
  { name: 'links[].mac', build: (v) => veth({ mac: v }) },
  { name: 'links[].ip', build: (v) => veth({ ip: v }) },
  { name: 'links[].nat', build: (v) => veth({ nat: v }) },
  { name: 'links[].forward', build: (v) => veth({ forward: v }) },
  { name: 'links[].mode', build: (v) => ({ links: [{ service: 'node', type: 'macvlan', 'outer-dev': 'eth0', mode: v }] }) },
  { name: 'links[].type', build: (v) => ({ links: [{ service: 'node', type: v, 'outer-dev': 'eth0' }] }) },
  { name: 'links[].container', build: (v) => ({ links: [{ container: v, bridge: 's1' }] }) },
  { name: 'links[].service', build: (v) => ({ links: [{ service: v, bridge: 's1' }] }) },
  { name: 'links[].bridge', build: (v) => veth({ bridge: v }) },
  { name: 'bridges[].bridge', build: (v) => ({ bridges: [{ bridge: v, mode: 'linux' }], links: [{ service: 'node', bridge: v }] }) },
  { name: 'bridges[].mode', build: (v) => ({ bridges: [{ bridge: 's1', mode: v }], links: [{ service: 'node', bridge: 's1' }] }) },
  { name: 'tunnels[].type', build: (v) => ({ tunnels: [{ type: v, bridge: 's1', remote: '127.0.0.9', vni: 5 }] }) },
  { name: 'tunnels[].bridge', build: (v) => ({ tunnels: [{ type: 'vxlan', bridge: v, remote: '127.0.0.9', vni: 5 }] }) },
  { name: 'tunnels[].remote', build: (v) => ({ tunnels: [{ type: 'vxlan', bridge: 's1', remote: v, vni: 5 }] }) },
  { name: 'tunnels[].netem', build: (v) => ({ tunnels: [{ type: 'vxlan', bridge: 's1', remote: '127.0.0.9', vni: 5, netem: v }] }) },
  { name: 'commands[].service', build: (v) => ({ commands: [{ service: v, command: ['true'] }] }) },
  { name: 'commands[].container', build: (v) => ({ commands: [{ container: v, command: 'true' }] }) },
]

export const allCaps = Object.fromEntries(FEATURES.map((f) => [f, true])) as Capabilities

/** A fake NetContext for planning: every capability, the config's bridges. */
export function fakeCtx(config: NetworkConfig, over: Partial<NetContext> = {}): NetContext {
  return { conlinkPid: 77, capabilities: allCaps, bridges: config.bridges, dockerEth0: { ip: '172.17.0.2/16' }, ...over }
}

/** A container as the engine reports it (docker allows only [a-zA-Z0-9][a-zA-Z0-9_.-] in names). */
export function fakeContainer(name: string, over: Partial<ContainerInfo> = {}): ContainerInfo {
  return { id: '0123456789abcdef0123456789abcdef', name, pid: 4242, index: 1, ...over }
}

/** An op and all its undo ops, recursively. */
export function withUndo(ops: Op[]): Op[] {
  return ops.flatMap((op) => [op, ...withUndo(op.undo ?? [])])
}

/**
 * Problems of one planned op: a control character in any argument; a
 * batched line that a line parser would read as other words than the op's
 * arguments (newline, quote, comment, escape).
 */
export function opProblems(op: Op): string[] {
  const out: string[] = []
  const argvList = soloArgv(op)
  for (const a of argvList) if (/[\x00-\x1f\x7f]/.test(a)) out.push(`argument ${JSON.stringify(a)} has a control character`)
  if (batchSafe(op) && op.kind !== 'argv') {
    const line = op.args.join(' ')
    if (/[\n\r]/.test(line)) out.push(`batch line ${JSON.stringify(line)} has a line break`)
    const reparsed = line.split(/[ \t]+/)
    if (reparsed.length !== op.args.length || reparsed.some((w, i) => w !== op.args[i])) out.push(`batch line ${JSON.stringify(line)} splits differently`)
    if (/["'#\\]/.test(line)) out.push(`batch line ${JSON.stringify(line)} has a quote, comment or escape`)
  }
  return out
}

/**
 * Does the payload reach the op only as whole arguments? Any argument that
 * holds part of the payload must be the payload itself or one of its
 * whitespace-separated words (route/netem/ethtool are split into words).
 */
export function wholeArgs(op: Op, value: string): boolean {
  const words = value.trim().split(/\s+/).filter(Boolean)
  const marks = words.filter((w) => w.length >= 4)
  return soloArgv(op).every((a) => {
    if (a === value || words.includes(a)) return true
    return !marks.some((m) => a.includes(m))
  })
}
