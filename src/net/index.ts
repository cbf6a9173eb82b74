// The kernel-facing link engine: public API. Link kinds plan ops (data), the
// executor runs them; this module orders the two rounds (create, then
// configure), decides what "already exists" means, and undoes on failure.
import { accessSync } from 'node:fs'
import { TUNNEL_PORTS, type BridgeSpec, type LinkInstance, type TunnelSpec } from '../config/types.js'
import { addressList } from '../config/address.js'
import { ConlinkError } from '../errors.js'
import { log } from '../log.js'
import { missingFeature, type Feature } from './capabilities.js'
import { checkInstances } from './check.js'
import type { NetContext } from './context.js'
import { execute, runIn, undo, type ExecResult } from './executor.js'
import { bridgeKind, forgetMember, joinBridge, leaveBridge, planBridgeCreate, planBridgeDelete } from './bridges.js'
import { alreadyExists, alreadyGone, namespaceDenied } from './kernel-errors.js'
export { startOvsIfNeeded } from './bridges.js'
import { LINK_KINDS } from './links/index.js'
import { BRIDGE_FACTS, LINK_FACTS, linkFeatures } from './links/facts.js'
import { configureFailureHint, type LinkPlan } from './links/kind.js'
import { planTunnelAdd, planTunnelDelete, tunnelBridge, tunnelId } from './links/tunnel.js'
import { describeOp, type Op } from './ops.js'
import { linkLabel } from '../config/label.js'

export { probeCapabilities, describeCapabilities, FEATURES, type Capabilities } from './capabilities.js'
export { renameDockerEth0, restoreDockerEth0 } from './forward.js'
export type { NetContext } from './context.js'
export type { Op } from './ops.js'
export { describeOp } from './ops.js'

function bridgeNamed(ctx: NetContext, name?: string): BridgeSpec | undefined {
  return name !== undefined && Object.hasOwn(ctx.bridges, name) ? ctx.bridges[name] : undefined
}

/** A link's outer end and the bridge it is on (kinds with an outer end). */
function outerEndOnBridge(ctx: NetContext, inst: LinkInstance): { b: BridgeSpec; dev: string } | undefined {
  const b = bridgeNamed(ctx, inst.link.bridge)
  return b && inst.outerEnd && LINK_FACTS[inst.link.type].hasOuterEnd ? { b, dev: inst.outerEnd } : undefined
}

/** The kernel features a link needs; throws the clear error for the first one missing. */
export function requireLinkFeatures(ctx: NetContext, inst: LinkInstance): void {
  const needs = linkFeatures(inst.link, bridgeNamed(ctx, inst.link.bridge)?.['resolved-mode'])
  const missing = needs.find((f) => !ctx.capabilities[f])
  if (missing) throw missingFeature(missing, `${inst.link.type} link ${linkLabel(inst)}`, inst.link.origin)
}

/** `veth link node_1:eth0 (ip 10.0.1.1/16, mac ...) <-> node_1-eth0 (bridge s1)` */
export function describeLink(inst: LinkInstance): string {
  const props = [inst.ip && `ip ${addressList(inst.ip).join(' ')}`, inst.mac && `mac ${inst.mac}`, inst.mtu && `mtu ${inst.mtu}`].filter(Boolean).join(', ')
  return `${inst.link.type} link ${linkLabel(inst)}${props ? ` (${props})` : ''}${LINK_FACTS[inst.link.type].describeOuter(inst)}`
}

/** The ops adding one link (no patch ops: those depend on the patch's other member). */
export function planLinkAdd(ctx: NetContext, inst: LinkInstance): LinkPlan {
  return LINK_KINDS[inst.link.type].planAdd(inst, ctx)
}

export function planLinkDelete(ctx: NetContext, inst: LinkInstance): Op[] {
  return LINK_KINDS[inst.link.type].planDelete(inst, ctx)
}

function linkError(inst: LinkInstance, msg: string, cause?: unknown, hint?: string): ConlinkError {
  return new ConlinkError(`cannot create ${inst.link.type} link ${linkLabel(inst)}: ${msg}`, { place: inst.link.origin, cause, hint })
}

/** The fix when the host namespace (of *vlan/*vtap parents) cannot be opened. */
export function explainHostNamespaceDenied(msg: string, hostPid = 1): string {
  if (!namespaceDenied(msg, hostPid)) return msg
  return `${msg}: the network container may not open the host's network namespace; give it cap SYS_PTRACE (or privileged), or name another process in that namespace with --host-pid / CONLINK_HOST_PID`
}

/** For *vlan/*vtap the kernel refuses an mtu above the parent's: say so plainly. */
async function explainCreateFailure(ctx: NetContext, inst: LinkInstance, msg: string): Promise<string> {
  if (inst.link.base === 'host') msg = explainHostNamespaceDenied(msg, ctx.hostPid)
  if (inst.link.base !== 'host' || !inst.mtu || !inst.parent) return msg
  const r = await runIn(ctx, 'host', ['ip', '-j', 'link', 'show', 'dev', inst.parent])
  const parentMtu = r.exitCode === 0 ? (JSON.parse(r.stdout)[0]?.mtu as number | undefined) : undefined
  return parentMtu !== undefined && inst.mtu > parentMtu ? `mtu ${inst.mtu} exceeds the MTU ${parentMtu} of parent ${inst.parent} (${msg})` : msg
}

/**
 * Add the links of many containers at once: one network-namespace batch for
 * all of them, then each container's own batch (in parallel, bounded).
 * All-or-nothing per container. Returns container id -> error (undefined = ok).
 */
export async function addLinksForContainers(ctx: NetContext, groups: LinkInstance[][]): Promise<Map<string, Error | undefined>> {
  const results = new Map<string, Error | undefined>()
  const byId = new Map<string, { inst: LinkInstance; plan: LinkPlan }>()
  const fail = (inst: LinkInstance, err: Error) => {
    if (!results.get(inst.container.id)) results.set(inst.container.id, err)
  }
  const containerStillOk = (inst: LinkInstance) => results.get(inst.container.id) === undefined
  for (const group of groups) {
    if (group.length === 0) continue
    results.set(group[0].container.id, undefined)
    for (const inst of group) {
      try {
        requireLinkFeatures(ctx, inst)
        byId.set(linkLabel(inst), { inst, plan: planLinkAdd(ctx, inst) })
      } catch (e) {
        fail(inst, e instanceof ConlinkError ? e : linkError(inst, String(e), e))
      }
    }
  }
  const planned = [...byId.values()].filter(({ inst }) => containerStillOk(inst))
  for (const { inst } of planned) log.info(`Creating ${describeLink(inst)}`)

  const created = await execute(ctx, planned.flatMap(({ plan }) => plan.create))
  const existing = await keepLinksAlreadyAsConfigured(ctx, created, byId, fail)

  const joined: Array<{ b: BridgeSpec; dev: string; owner: string }> = []
  const configureOps: Op[] = []
  for (const { inst, plan } of planned) {
    if (!containerStillOk(inst) || existing.has(linkLabel(inst))) continue
    configureOps.push(...plan.configure)
    const end = outerEndOnBridge(ctx, inst)
    if (end) {
      try {
        configureOps.push(...joinBridge(ctx, end.b, end.dev, linkLabel(inst)))
        joined.push({ ...end, owner: linkLabel(inst) })
      } catch (e) {
        fail(inst, e as Error)
      }
    }
  }
  const configured = await execute(ctx, configureOps.filter((op) => containerStillOk(byId.get(op.owner)!.inst)))
  for (const [op, msg] of configured.failed) fail(byId.get(op.owner)!.inst, linkError(byId.get(op.owner)!.inst, `${describeOp(op)}: ${msg}`, undefined, configureFailureHint(op, msg)))

  const failedOwners = new Set([...byId.values()].filter(({ inst }) => !containerStillOk(inst)).map(({ inst }) => linkLabel(inst)))
  if (failedOwners.size) {
    for (const problem of await undo(ctx, [...created.done, ...configured.done], failedOwners)) if (!alreadyGone(problem)) log.warn(`undo: ${problem}`)
    for (const { b, dev, owner } of joined) if (failedOwners.has(owner)) forgetMember(ctx, b, dev)
  }
  return results
}

/** Sorts failed creates: "File exists" is fine when the link is there exactly as configured (those link labels are returned); any other failure fails its container. */
async function keepLinksAlreadyAsConfigured(
  ctx: NetContext,
  created: ExecResult,
  byId: Map<string, { inst: LinkInstance }>,
  fail: (inst: LinkInstance, err: Error) => void,
): Promise<Set<string>> {
  const existing = new Set<string>()
  const toCheck: LinkInstance[] = []
  await Promise.all(
    [...created.failed].map(async ([op, msg]) => {
      const inst = byId.get(op.owner)!.inst
      if (alreadyExists(msg)) toCheck.push(inst)
      else fail(inst, linkError(inst, `${describeOp(op)}: ${await explainCreateFailure(ctx, inst, msg)}`))
    }),
  )
  if (toCheck.length === 0) return existing
  const diffs = await checkInstances(ctx, toCheck)
  for (const inst of toCheck) {
    const mine = diffs.filter((d) => d.startsWith(`${linkLabel(inst)}: `)).map((d) => d.slice(linkLabel(inst).length + 2))
    if (mine.length === 0) {
      existing.add(linkLabel(inst))
      log.info(`Link ${linkLabel(inst)} already exists as configured`)
    } else fail(inst, linkError(inst, `an interface with that name already exists differently: ${mine.join('; ')}`))
  }
  return existing
}

/** Add all links of ONE container; all-or-nothing, throws a ConlinkError naming container:dev. */
export async function addContainerLinks(ctx: NetContext, instances: LinkInstance[]): Promise<void> {
  const results = await addLinksForContainers(ctx, [instances])
  const err = [...results.values()].find(Boolean)
  if (err) throw err
}

/**
 * The container's network namespace still exists. Looking at /proc/PID/ns
 * needs ptrace rights: "permission denied" means alive; a dead (or zombie)
 * process has no ns entries at all.
 */
export function processAlive(pid: number): boolean {
  try {
    accessSync(`/proc/${pid}/ns/net`)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT'
  }
}
const containerAlive = (inst: LinkInstance): boolean => processAlive(inst.container.pid)

/** Delete the links of many containers (best effort: problems are warnings). */
export async function deleteLinksForContainers(ctx: NetContext, groups: LinkInstance[][]): Promise<void> {
  const ops: Op[] = []
  const gone = new Set<string>()
  for (const inst of groups.flat()) {
    const alive = containerAlive(inst)
    if (!alive && !gone.has(inst.container.id)) {
      gone.add(inst.container.id)
      log.warn(`container ${inst.container.name} (pid ${inst.container.pid}) is gone: its interfaces went with it`)
    }
    log.info(`Deleting ${describeLink(inst)}`)
    const end = outerEndOnBridge(ctx, inst)
    if (end) ops.push(...leaveBridge(ctx, end.b, end.dev, linkLabel(inst)))
    try {
      ops.push(...planLinkDelete(ctx, inst).filter((op) => alive || op.ns !== inst.container.pid))
    } catch (e) {
      log.warn(`cannot delete ${linkLabel(inst)}: ${(e as Error).message}`)
    }
  }
  const r = await execute(ctx, ops)
  for (const [op, msg] of r.failed) {
    if (alreadyGone(msg)) continue
    log.warn(`deleting ${op.owner}: ${describeOp(op)}: ${msg}`)
  }
}

export async function deleteContainerLinks(ctx: NetContext, instances: LinkInstance[]): Promise<void> {
  await deleteLinksForContainers(ctx, [instances])
}

/** Differences between the kernel and the instances (`container:dev: what`); empty = as configured. */
export async function checkContainerLinks(ctx: NetContext, instances: LinkInstance[]): Promise<string[]> {
  return checkInstances(ctx, instances)
}

// Bridges

const hasDevice = (b: BridgeSpec): boolean => BRIDGE_FACTS[b['resolved-mode']].device

async function existingBridges(ctx: NetContext, bridges: BridgeSpec[]): Promise<string[]> {
  const links = await runIn(ctx, 'conlink', ['ip', '-j', 'link', 'show'])
  const names = new Set((JSON.parse(links.stdout || '[]') as Array<{ ifname: string }>).map((l) => l.ifname))
  for (const kind of new Set(bridges.map(bridgeKind))) for (const name of (await kind.listExisting?.(ctx)) ?? []) names.add(name)
  return bridges.filter((b) => hasDevice(b) && names.has(b.bridge)).map((b) => b.bridge)
}

/** Create bridges; refuses (creating nothing) if any already exists or the kernel lacks its mode. */
export async function createBridges(ctx: NetContext, bridges: BridgeSpec[]): Promise<void> {
  for (const b of bridges) {
    const f = BRIDGE_FACTS[b['resolved-mode']].feature
    if (f && !ctx.capabilities[f]) throw missingFeature(f, `${b['resolved-mode']} bridge ${b.bridge}`, {})
  }
  const exists = await existingBridges(ctx, bridges)
  if (exists.length)
    throw new ConlinkError(
      `${exists.length > 1 ? 'bridges' : 'bridge'} ${exists.join(', ')} already ${exists.length > 1 ? 'exist' : 'exists'} in the network container (is another conlink running here?)`,
      { hint: 'conlink never adopts a bridge it did not create: stop the other conlink, delete the bridge or choose another name' },
    )
  for (const b of bridges) log.info(`Creating ${b['resolved-mode']} bridge ${b.bridge}`)
  const r = await execute(ctx, bridges.flatMap(planBridgeCreate))
  if (r.failed.size) {
    await undo(ctx, r.done)
    const [op, msg] = [...r.failed][0]
    throw new ConlinkError(`cannot create ${op.owner}: ${msg}`, { place: { file: op.owner } })
  }
}

export async function deleteBridges(ctx: NetContext, bridges: BridgeSpec[]): Promise<void> {
  for (const b of bridges) if (hasDevice(b)) log.info(`Deleting ${b['resolved-mode']} bridge ${b.bridge}`)
  await warnFailures(await execute(ctx, bridges.flatMap(planBridgeDelete)))
}

async function warnFailures(r: ExecResult): Promise<void> {
  for (const [op, msg] of r.failed) log.warn(`${op.owner}: ${describeOp(op)}: ${msg}`)
}

// Tunnels

/** Create tunnels on their bridges; all-or-nothing, throws naming the tunnel. */
export async function createTunnels(ctx: NetContext, tunnels: TunnelSpec[]): Promise<void> {
  for (const t of tunnels) {
    const needs: Feature[] = [t.type, ...(t.netem.length ? (['netem'] as const) : [])]
    const missing = needs.find((f) => !ctx.capabilities[f])
    if (missing) throw missingFeature(missing, tunnelId(t), t.origin)
    log.info(`Creating ${t.type} tunnel ${t['outer-dev']} (bridge ${t.bridge}, remote ${t.remote}, udp port ${t.port ?? TUNNEL_PORTS[t.type]})`)
  }
  const plans = tunnels.map((t) => planTunnelAdd(t, ctx))
  const created = await execute(ctx, plans.flatMap((p) => p.create))
  let configured: ExecResult = { done: [], failed: new Map() }
  const joined: TunnelSpec[] = []
  try {
    if (created.failed.size === 0) {
      const ops = plans.flatMap((p) => p.configure)
      for (const t of tunnels) {
        ops.push(...joinBridge(ctx, tunnelBridge(t, ctx), t['outer-dev'], tunnelId(t)))
        joined.push(t)
      }
      configured = await execute(ctx, ops)
    }
  } catch (e) {
    configured.failed.set(plans[0].create[0], (e as Error).message)
  }
  const failure = [...created.failed, ...configured.failed][0]
  if (failure) {
    await undo(ctx, [...created.done, ...configured.done])
    for (const t of joined) forgetMember(ctx, tunnelBridge(t, ctx), t['outer-dev'])
    const t = tunnels.find((x) => tunnelId(x) === failure[0].owner) ?? tunnels[0]
    throw new ConlinkError(`cannot create ${tunnelId(t)}: ${failure[1]}`, { place: t.origin })
  }
}

export async function deleteTunnels(ctx: NetContext, tunnels: TunnelSpec[]): Promise<void> {
  const ops: Op[] = []
  for (const t of tunnels) {
    log.info(`Deleting ${t.type} tunnel ${t['outer-dev']}`)
    ops.push(...leaveBridge(ctx, tunnelBridge(t, ctx), t['outer-dev'], tunnelId(t)))
    ops.push(...planTunnelDelete(t, ctx))
  }
  await warnFailures(await execute(ctx, ops))
}
