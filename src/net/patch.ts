// Patch "bridges": exactly two interfaces joined by tc. Each gets an ingress
// qdisc with a u32 match-all filter whose action is `mirred egress redirect`
// to the other, so every frame (STP/LLDP/BPDU too) passes unchanged. The
// filters are set up when the second interface appears (either side may come
// first) and removed when either leaves; who is on which patch is state of
// the network context (`patchMembers`).
import { ConlinkError } from '../errors.js'
import type { BridgeKind } from './bridges.js'
import type { NetContext } from './context.js'
import { tc, type Op } from './ops.js'

function patchMembers(ctx: NetContext, bridge: string): string[] {
  const all = (ctx.patchMembers ??= new Map())
  let list = all.get(bridge)
  if (!list) all.set(bridge, (list = []))
  return list
}

export function planMirred(from: string, to: string, owner: string): Op[] {
  return [
    tc('conlink', owner, ['qdisc', 'add', 'dev', from, 'ingress'], [tc('conlink', owner, ['qdisc', 'del', 'dev', from, 'ingress'])]),
    tc('conlink', owner, ['filter', 'add', 'dev', from, 'parent', 'ffff:', 'protocol', 'all', 'u32', 'match', 'u32', '0', '0',
      'action', 'mirred', 'egress', 'redirect', 'dev', to]),
  ]
}

/** Register `dev` on patch `bridge`; returns the tc ops when it is the second member. */
export function joinPatch(ctx: NetContext, bridge: string, dev: string, owner: string): Op[] {
  const list = patchMembers(ctx, bridge)
  if (list.includes(dev)) return []
  if (list.length >= 2)
    throw new ConlinkError(`patch bridge ${bridge} already joins ${list.join(' and ')}; cannot add ${owner} (a patch joins exactly two links)`, {
      hint: 'use a linux or ovs bridge for more than two links',
    })
  list.push(dev)
  return list.length === 2 ? [...planMirred(list[0], list[1], owner), ...planMirred(list[1], list[0], owner)] : []
}

/** Unregister `dev`; returns the ops removing the remaining member's ingress qdisc (and its filter). */
export function leavePatch(ctx: NetContext, bridge: string, dev: string, owner: string): Op[] {
  const list = patchMembers(ctx, bridge)
  const i = list.indexOf(dev)
  if (i < 0) return []
  const wasJoined = list.length === 2
  list.splice(i, 1)
  return wasJoined ? [tc('conlink', owner, ['qdisc', 'del', 'dev', list[0], 'ingress'])] : []
}

/** Forget a registration without kernel ops (after an undo). */
function forgetPatch(ctx: NetContext, bridge: string, dev: string): void {
  const list = patchMembers(ctx, bridge)
  const i = list.indexOf(dev)
  if (i >= 0) list.splice(i, 1)
}

export const patch: BridgeKind = {
  planCreate: () => [],
  planDelete: () => [],
  masterWords: () => [],
  planAttach: () => [],
  planDetach: () => [],
  join: (ctx, b, dev, owner) => joinPatch(ctx, b.bridge, dev, owner),
  leave: (ctx, b, dev, owner) => leavePatch(ctx, b.bridge, dev, owner),
  forget: (ctx, b, dev) => forgetPatch(ctx, b.bridge, dev),
}
