// *vlan / *vtap links: a child of the host interface `outer-dev` (the
// instance's parent), created in the host namespace straight into the
// container (`netns PID`), so no temporary name and no rename are needed.
// Without an explicit mtu the kernel gives the child its parent's MTU, and
// refuses a larger one.
import type { LinkInstance, LinkType } from '../../config/types.js'
import { ConlinkError } from '../../errors.js'
import { ip } from '../ops.js'
import { macMtuWords, planContainerConfig, planDeleteInContainer, type LinkKind } from './kind.js'
import { linkLabel } from '../../config/label.js'
import { LINK_FACTS } from './facts.js'

export function parentOf(inst: LinkInstance): string {
  if (!inst.parent)
    throw new ConlinkError(`${inst.link.type} link ${linkLabel(inst)} needs outer-dev (the host parent interface)`, {
      place: { file: inst.link.origin.file, path: `${inst.link.origin.path}.outer-dev` },
    })
  return inst.parent
}

export function childKind(type: LinkType, typeArgs: (inst: LinkInstance) => string[]): LinkKind {
  return {
    facts: LINK_FACTS[type],
    planAdd(inst) {
      const id = linkLabel(inst)
      const pid = inst.container.pid
      const add = ['link', 'add', 'link', parentOf(inst), 'name', inst.dev, ...macMtuWords(inst)]
      return {
        create: [ip('host', id, [...add, 'netns', String(pid), 'type', type, ...typeArgs(inst)], [ip(pid, id, ['link', 'del', 'dev', inst.dev])])],
        configure: planContainerConfig(inst),
      }
    },
    planDelete: planDeleteInContainer,
  }
}

export const modeArgs = (inst: LinkInstance): string[] => (inst.link.mode ? ['mode', inst.link.mode] : [])
