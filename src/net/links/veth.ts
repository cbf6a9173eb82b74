// veth: the container end is created directly in the container (`peer name
// DEV ... netns PID`) and the outer end in the network container, already on
// its linux bridge and up: one atomic `ip link add` line per link.
import type { LinkInstance } from '../../config/types.js'
import { ConlinkError } from '../../errors.js'
import { bridgeOf, masterWords, planPortAdd, planPortDelete } from '../bridges.js'
import type { NetContext } from '../context.js'
import { planForwards, planForwardsDelete } from '../forward.js'
import { ip } from '../ops.js'
import { macMtuWords, planContainerConfig, planContainerUnconfig, type LinkKind } from './kind.js'
import { linkLabel } from '../../config/label.js'
import { LINK_FACTS } from './facts.js'

/**
 * One tx and one rx queue on each end. The kernel gives a veth one queue per
 * possible CPU, each with its sysfs entries, then cuts the queues in use down
 * to one (a wait for RCU under the RTNL lock): a quarter of creating a link on
 * two CPUs, more on bigger hosts. A veth uses more queues only with XDP.
 */
const ONE_QUEUE = ['numtxqueues', '1', 'numrxqueues', '1']

function outerOf(inst: LinkInstance): string {
  if (!inst.outerEnd) throw new ConlinkError(`veth link ${linkLabel(inst)} has no outer-dev name`, { place: inst.link.origin })
  return inst.outerEnd
}

export function vethBridge(inst: LinkInstance, ctx: NetContext) {
  return bridgeOf(ctx, inst.link.bridge, `veth link ${linkLabel(inst)}`, { file: inst.link.origin.file, path: `${inst.link.origin.path}.bridge` })
}

export const veth: LinkKind = {
  facts: LINK_FACTS.veth,
  planAdd(inst, ctx) {
    const id = linkLabel(inst)
    const outer = outerOf(inst)
    const b = vethBridge(inst, ctx)
    const mtu = inst.mtu ? ['mtu', String(inst.mtu)] : []
    const add = ['link', 'add', 'name', outer, ...mtu, ...masterWords(b), ...ONE_QUEUE, 'up', 'type', 'veth',
      'peer', 'name', inst.dev, ...macMtuWords(inst), ...ONE_QUEUE, 'netns', String(inst.container.pid)]
    return {
      create: [ip('conlink', id, add, [ip('conlink', id, ['link', 'del', 'dev', outer])])],
      configure: [...planPortAdd(b, outer, id), ...planContainerConfig(inst, inst.link.ethtool), ...planForwards(inst, ctx, b.bridge)],
    }
  },
  planDelete(inst, ctx) {
    const id = linkLabel(inst)
    const outer = outerOf(inst)
    const b = vethBridge(inst, ctx)
    return [...planForwardsDelete(inst, b.bridge, ctx), ...planPortDelete(b, outer, id), ...planContainerUnconfig(inst),
      ip('conlink', id, ['link', 'del', 'dev', outer])]
  },
}
