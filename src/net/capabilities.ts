// Which kernel features exist, found by trying: each is created once in a
// throwaway network namespace (`unshare --net`), which vanishes afterwards.
// Two processes in parallel: one `ip -force -batch` and one `tc -force -batch`.
import { existsSync } from 'node:fs'
import type { Runner } from '../exec.js'
import { ConlinkError } from '../errors.js'
import { notPermitted, parseBatchErrors, unknownDeviceType } from './kernel-errors.js'
import { jobRunner } from './spawner.js'

import { FEATURES, type Feature } from './links/facts.js'

export { FEATURES, type Feature }

export type Capabilities = Record<Feature, boolean>

const IP_PROBES: Array<[Feature, string]> = [
  ['veth', 'link add name p0 type veth peer name p1'],
  ['bridge', 'link add name pb type bridge'],
  ['dummy', 'link add name pd type dummy'],
  ['vlan', 'link add link p0 name pv type vlan id 2'],
  ['macvlan', 'link add link p0 name pm type macvlan mode bridge'],
  ['macvtap', 'link add link p0 name pmt type macvtap mode bridge'],
  ['ipvlan', 'link add link p0 name pi type ipvlan mode l2'],
  ['ipvtap', 'link add link p0 name pit type ipvtap mode l2'],
  ['vxlan', 'link add name px type vxlan id 1 dstport 4789'],
  ['geneve', 'link add name pg type geneve id 1 remote 127.0.0.1'],
  // OVS vports cannot be made with ip: "Unknown device type" means no module, anything else means it is there
  ['openvswitch', 'link add name po type openvswitch'],
]
const TC_PROBES: Array<[Feature | 'ingress', string]> = [
  ['netem', 'qdisc add dev lo root netem delay 1ms'],
  ['ingress', 'qdisc add dev lo ingress'],
  ['mirred', 'filter add dev lo parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev lo'],
]

async function probeBatch(runner: Runner, prog: string, probes: Array<[string, string]>): Promise<Map<string, string | undefined>> {
  const input = probes.map(([, line]) => line).join('\n') + '\n'
  const r = await runner.run(['unshare', '--net', prog, '-force', '-batch', '-'], { input, allowFailure: true, timeoutMs: 30_000 })
  const errors = parseBatchErrors(r.stderr)
  const unattributed = r.exitCode !== 0 && errors.size === 0 ? r.stderr.trim() || 'probe failed' : undefined
  // without the right to make a namespace every feature would look missing: say what is really wrong
  if (unattributed && notPermitted(unattributed))
    throw new ConlinkError(`cannot probe kernel features (${unattributed})`, {
      place: { file: 'unshare --net' },
      hint: 'the network container needs the SYS_ADMIN and NET_ADMIN capabilities (cap_add: [SYS_ADMIN, NET_ADMIN]) and pid: host',
    })
  return new Map(probes.map(([name], i) => [name, unattributed ?? errors.get(i + 1)]))
}

export async function probeCapabilities(runner: Runner = jobRunner): Promise<Capabilities> {
  const [ipr, tcr] = await Promise.all([probeBatch(runner, 'ip', IP_PROBES), probeBatch(runner, 'tc', TC_PROBES)])
  const caps = {} as Capabilities
  for (const [f] of IP_PROBES) caps[f] = ipr.get(f) === undefined
  const ovsProbe = ipr.get('openvswitch') ?? ''
  caps.openvswitch = existsSync('/sys/module/openvswitch') || !(unknownDeviceType(ovsProbe) || /probe failed/.test(ovsProbe))
  caps.netem = tcr.get('netem') === undefined
  caps.mirred = tcr.get('ingress') === undefined && tcr.get('mirred') === undefined
  return caps
}

/** One line for the start-up log. */
export function describeCapabilities(c: Capabilities): string {
  const has = FEATURES.filter((f) => c[f])
  const lacks = FEATURES.filter((f) => !c[f])
  return `Kernel features: ${has.join(' ') || 'none'}${lacks.length ? `; missing: ${lacks.join(' ')}` : ''}`
}

const HINTS: Partial<Record<Feature, string>> = {
  vlan: 'load the 8021q module on the host',
  openvswitch: 'load the openvswitch module on the host, or use bridge mode linux',
  mirred: 'load the act_mirred and cls_u32 modules on the host, or use bridge mode linux',
  netem: 'load the sch_netem module on the host, or remove netem',
}

/** A clear error for a missing feature: names the link or tunnel and where it was configured. */
export function missingFeature(feature: Feature, what: string, place: { file?: string; path?: string }): ConlinkError {
  return new ConlinkError(`${what} needs kernel feature '${feature}', which this kernel lacks`, {
    place,
    hint: HINTS[feature] ?? `load the ${feature} module on the host`,
  })
}
