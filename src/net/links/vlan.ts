import { ConlinkError } from '../../errors.js'
import { childKind } from './child.js'
import { linkLabel } from '../../config/label.js'

/** `ip link add link PARENT name DEV ... netns PID type vlan id N` in the host namespace. */
export const vlan = childKind('vlan', (inst) => {
  if (inst.link.vlanid === undefined)
    throw new ConlinkError(`vlan link ${linkLabel(inst)} needs vlanid`, {
      place: { file: inst.link.origin.file, path: `${inst.link.origin.path}.vlanid` },
    })
  return ['id', String(inst.link.vlanid)]
})
