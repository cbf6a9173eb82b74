// The control plane inside the engine: runtime overrides (links taken down,
// live impairments) on top of the config's baseline, re-applied whenever a
// container is rewired; status; events. Kernel work goes through the net
// room's planner style (ops as data) and executor.
import { setTimeout as sleep } from 'node:timers/promises'
import type { ContainerInfo, LinkInstance, NetworkConfig } from '../config/types.js'
import { DEFAULT_MTU } from '../config/types.js'
import { ConlinkError, describeError } from '../errors.js'
import { log } from '../log.js'
import type { EngineHooks, NetworkEngine } from '../engine/engine.js'
import type { NetContext } from '../net/context.js'
import { execute, runIn } from '../net/executor.js'
import { describeOp, ip, type Op } from '../net/ops.js'
import { LINK_FACTS } from '../net/links/facts.js'
import { startCapture, type CaptureRun, type CaptureSide } from './capture.js'
import { EventLog } from './events.js'
import {
  describeImpairment,
  impairmentJson,
  needsNetem,
  netemMissing,
  noQdiscToDelete,
  planImpairClear,
  planImpairSet,
  sidesOf,
  validateImpairment,
  type Direction,
  type ImpairSide,
  type Impairment,
  type LinkImpairment,
} from './impair.js'
import { formatLinkRef, resolveLinkRef, type LinkRef, type LinkTarget } from './link-ref.js'
import { buildStatus, type InstanceInput, type KernelLink, type KernelRoute, type StatusDocument } from './status.js'
import { USAGE_EXIT } from './units.js'
import { linkLabel } from '../config/label.js'

interface Target extends LinkTarget {
  inst: LinkInstance
  containerId: string
}

export interface ImpairmentView {
  link: string
  to: Record<string, string> | null
  from: Record<string, string> | null
  config: string | null
}

export class ControlPlane {
  readonly events = new EventLog()
  /** Runtime overrides by `container:dev` (names survive a container restart; ids and pids do not). */
  private readonly down = new Set<string>()
  private readonly impairments = new Map<string, LinkImpairment>()
  /** Why a container's wiring last failed, by container id. */
  private readonly lastErrors = new Map<string, string>()
  private engine?: NetworkEngine

  constructor(
    readonly config: NetworkConfig,
    private readonly ctx: NetContext,
  ) {}

  attach(engine: NetworkEngine): void {
    this.engine = engine
  }

  readonly hooks: EngineHooks = {
    wired: (info, instances) => this.onWired(info, instances).catch((err) => log.error(`runtime overrides of ${info.name}: ${describeError(err)}`)),
    failed: (info, instances, error) => {
      this.lastErrors.set(info.id, describeError(error))
      for (const inst of instances) this.events.emit('failed', info.name, inst.dev, describeError(error))
    },
    unwired: (info, instances) => {
      for (const inst of instances) this.events.emit('deleted', info.name, inst.dev)
    },
  }

  /** A container's links were (re)created: put back what was asked at run time. */
  private async onWired(info: ContainerInfo, instances: LinkInstance[]): Promise<void> {
    this.lastErrors.delete(info.id)
    const ops: Op[] = []
    const restored: Array<() => void> = []
    for (const inst of instances) {
      const id = linkLabel(inst)
      this.events.emit('created', info.name, inst.dev)
      if (this.down.has(id) && inst.outerEnd) {
        ops.push(this.planDown(inst, true))
        restored.push(() => this.events.emit('down', info.name, inst.dev, 'kept down after rewiring'))
      }
      const imp = this.impairments.get(id)
      for (const side of ['to', 'from'] as const) {
        const s = imp?.[side] && this.sideOf(inst, side)
        if (!s) continue
        ops.push(...planImpairSet(s, imp![side]!, this.ctx.capabilities.netem))
        restored.push(() => this.events.emit('impairment-changed', info.name, inst.dev, `${side}: ${describeImpairment(imp![side]!)} (kept after rewiring)`))
      }
    }
    if (ops.length === 0) return
    const r = await execute(this.ctx, ops)
    for (const [op, msg] of r.failed) log.error(`cannot re-apply a runtime override of ${op.owner}: ${describeOp(op)}: ${msg}`)
    if (r.failed.size === 0) log.info(`Runtime overrides of ${info.name} re-applied`)
    restored.forEach((emit) => emit())
  }

  // Links

  private targets(): Target[] {
    const out: Target[] = []
    for (const [containerId, wired] of this.engine?.state.containers ?? []) {
      if (wired.status !== 'connected') continue
      for (const inst of wired.instances)
        out.push({ id: linkLabel(inst), container: inst.container.name, service: inst.container.service, index: inst.container.index, dev: inst.dev, inst, containerId })
    }
    return out
  }

  private configuredNames(): Set<string> {
    const owners = [...Object.entries(this.config.services), ...Object.entries(this.config.containers)]
    return new Set(owners.flatMap(([name, owner]) => owner.links.map((l) => `${name}:${l.dev}`)))
  }

  resolve(ref: LinkRef): Target[] {
    return resolveLinkRef(this.targets(), ref, this.configuredNames())
  }

  private planDown(inst: LinkInstance, down: boolean): Op {
    return ip('conlink', linkLabel(inst), ['link', 'set', 'dev', inst.outerEnd!, down ? 'down' : 'up'])
  }

  /** Run ops for targets, each in its container's queue; throws naming the first failure. */
  private async apply(targets: Target[], plan: (t: Target) => Op[], ignore: (msg: string) => boolean = () => false): Promise<void> {
    const failures: string[] = []
    await Promise.all(
      targets.map((t) =>
        this.engine!.runExclusive(t.containerId, async () => {
          const r = await execute(this.ctx, plan(t))
          for (const [op, msg] of r.failed) if (!ignore(msg)) failures.push(`${op.owner}: ${describeOp(op)}: ${msg}`)
        }),
      ),
    )
    if (failures.length) throw new ConlinkError(failures.join('; '))
  }

  /** `link down` / `link up`: the outer end's admin state. Returns the links changed. */
  async setDown(ref: LinkRef, down: boolean, detail?: string): Promise<string[]> {
    const targets = this.resolve(ref)
    const notVeth = targets.find((t) => !t.inst.outerEnd)
    if (notVeth)
      throw new ConlinkError(`link ${down ? 'down' : 'up'} ${notVeth.id}: a ${notVeth.inst.link.type} link has no outer end of its own to take down`, {
        hint: 'only veth links can be taken down; impair it with --loss 100% instead',
        exitCode: USAGE_EXIT,
      })
    await this.apply(targets, (t) => [this.planDown(t.inst, down)])
    for (const t of targets) {
      if (down) this.down.add(t.id)
      else this.down.delete(t.id)
      this.events.emit(down ? 'down' : 'up', t.container, t.dev, detail)
      log.info(`Link ${t.id} ${down ? 'taken down' : 'brought up'}${detail ? ` (${detail})` : ''}`)
    }
    return targets.map((t) => t.id)
  }

  /** Down for downMs, up for upMs, `count` times; an aborted flap leaves the link up. */
  async flap(ref: LinkRef, downMs: number, upMs: number, count: number, signal?: AbortSignal): Promise<string[]> {
    let links = this.resolve(ref).map((t) => t.id)
    for (let i = 1; i <= count && !signal?.aborted; i++) {
      links = await this.setDown(ref, true, `flap ${i}/${count}`)
      await sleep(downMs, undefined, { signal }).catch(() => undefined)
      await this.setDown(ref, false, `flap ${i}/${count}`)
      if (i < count) await sleep(upMs, undefined, { signal }).catch(() => undefined)
    }
    return links
  }

  // Impairments

  private sideOf(inst: LinkInstance, side: 'to' | 'from'): ImpairSide | undefined {
    const mtu = inst.mtu ?? DEFAULT_MTU
    if (side === 'from') return { ns: inst.container.pid, dev: inst.dev, owner: linkLabel(inst), mtu }
    return inst.outerEnd ? { ns: 'conlink', dev: inst.outerEnd, owner: linkLabel(inst), mtu } : undefined
  }

  /** Default direction: both ends of a veth; the container end of other kinds (their outer end is shared or absent). */
  private sidesFor(t: Target, direction?: Direction): Array<'to' | 'from'> {
    const sides = sidesOf(direction ?? (LINK_FACTS[t.inst.link.type].hasOuterEnd ? 'both' : 'from'))
    if (sides.includes('to') && !this.sideOf(t.inst, 'to'))
      throw new ConlinkError(`${t.id}: a ${t.inst.link.type} link has no outer end of its own to impair`, { hint: 'use --direction from', exitCode: USAGE_EXIT })
    return sides
  }

  async impairSet(ref: LinkRef, imp: Impairment, direction?: Direction): Promise<ImpairmentView[]> {
    validateImpairment(imp)
    const targets = this.resolve(ref)
    if (needsNetem(imp) && !this.ctx.capabilities.netem) throw netemMissing(imp, formatLinkRef(ref))
    const sides = new Map(targets.map((t) => [t.id, this.sidesFor(t, direction)]))
    await this.apply(targets, (t) => sides.get(t.id)!.flatMap((s) => planImpairSet(this.sideOf(t.inst, s)!, imp, this.ctx.capabilities.netem)))
    for (const t of targets) {
      const current = { ...this.impairments.get(t.id) }
      for (const s of sides.get(t.id)!) current[s] = imp
      this.impairments.set(t.id, current)
      const text = `${sides.get(t.id)!.join('+')}: ${describeImpairment(imp)}`
      this.events.emit('impairment-changed', t.container, t.dev, text)
      log.info(`Impairment of ${t.id} set: ${text}`)
    }
    return targets.map((t) => this.view(t.inst))
  }

  /** Back to the config's baseline: one link (every side), or every link with a runtime impairment. */
  async impairClear(ref?: LinkRef): Promise<ImpairmentView[]> {
    const targets = ref ? this.resolve(ref) : this.targets().filter((t) => this.impairments.has(t.id))
    await this.apply(
      targets,
      (t) => (['to', 'from'] as const).flatMap((s) => {
        const side = this.sideOf(t.inst, s)
        return side ? planImpairClear(side, s === 'from' ? t.inst.link.netem : []) : []
      }),
      noQdiscToDelete,
    )
    for (const t of targets) {
      const had = this.impairments.delete(t.id)
      if (had) this.events.emit('impairment-changed', t.container, t.dev, 'cleared')
      if (had) log.info(`Impairment of ${t.id} cleared`)
    }
    return targets.map((t) => this.view(t.inst))
  }

  impairShow(ref?: LinkRef): ImpairmentView[] {
    const targets = ref ? this.resolve(ref) : this.targets()
    return targets.map((t) => this.view(t.inst)).sort((a, b) => a.link.localeCompare(b.link))
  }

  private view(inst: LinkInstance): ImpairmentView {
    const imp = this.impairments.get(linkLabel(inst))
    return {
      link: linkLabel(inst),
      to: imp?.to ? impairmentJson(imp.to) : null,
      from: imp?.from ? impairmentJson(imp.from) : null,
      config: inst.link.netem.join(' ') || null,
    }
  }

  // Capture

  capture(refs: LinkRef[], count: number | undefined, filter: string[]): CaptureRun {
    const targets = [...new Map(refs.flatMap((r) => this.resolve(r)).map((t) => [t.id, t])).values()]
    const sides: CaptureSide[] = targets.map((t) =>
      t.inst.outerEnd
        ? { ns: 'conlink', dev: t.inst.outerEnd, name: t.id }
        : { ns: t.inst.container.pid, dev: t.inst.dev, name: t.id },
    )
    log.info(`Capturing on ${targets.map((t) => t.id).join(', ')}${count ? ` (${count} packets)` : ''}`)
    return startCapture(this.ctx, sides, count, filter)
  }

  // Status

  async status(): Promise<StatusDocument> {
    const wired = [...(this.engine?.state.containers.values() ?? [])]
    const pids = [...new Set(wired.map((w) => w.info.pid))]
    const readJson = async <T>(ns: 'conlink' | number, args: string[]): Promise<T[] | undefined> => {
      const r = await runIn(this.ctx, ns, ['ip', '-j', ...args])
      try {
        return r.exitCode === 0 ? (JSON.parse(r.stdout || '[]') as T[]) : undefined
      } catch {
        return undefined
      }
    }
    const [outer, ...perPid] = await Promise.all([
      readJson<KernelLink>('conlink', ['-s', '-d', 'link', 'show']),
      ...pids.map((pid) => Promise.all([readJson<KernelLink>(pid, ['-s', '-d', 'addr', 'show']), readJson<KernelRoute>(pid, ['route', 'show'])])),
    ])
    const byPid = new Map(pids.map((pid, i) => [pid, perPid[i]]))
    const present = new Set<string>()
    const instances: InstanceInput[] = wired.flatMap((w) =>
      w.instances.map((inst) => {
        present.add(`${inst.link.service ?? inst.link.container}:${inst.dev}`)
        const [links, routes] = byPid.get(w.info.pid) ?? []
        return {
          inst,
          wiring: w.status,
          error: w.status === 'failed' ? this.lastErrors.get(w.info.id) : undefined,
          down: this.down.has(linkLabel(inst)),
          impairment: this.impairments.get(linkLabel(inst)),
          links,
          routes,
        }
      }),
    )
    const notRunning = [...Object.entries(this.config.services), ...Object.entries(this.config.containers)].flatMap(([name, owner]) =>
      owner.links.filter((l) => !present.has(`${name}:${l.dev}`)).map((l) => ({ name: `${name}:${l.dev}`, type: l.type, bridge: l.bridge })),
    )
    return buildStatus({
      instances,
      notRunning,
      bridges: Object.values(this.config.bridges),
      tunnels: this.config.tunnels,
      outer: outer ?? [],
    })
  }
}
