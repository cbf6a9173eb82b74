// dummy: a local interface inside the container, nothing outside.
import { ip } from '../ops.js'
import { macMtuWords, planContainerConfig, planDeleteInContainer, type LinkKind } from './kind.js'
import { linkLabel } from '../../config/label.js'
import { LINK_FACTS } from './facts.js'

export const dummy: LinkKind = {
  facts: LINK_FACTS.dummy,
  planAdd(inst) {
    const id = linkLabel(inst)
    const pid = inst.container.pid
    return {
      create: [ip(pid, id, ['link', 'add', 'name', inst.dev, ...macMtuWords(inst), 'type', 'dummy'], [ip(pid, id, ['link', 'del', 'dev', inst.dev])])],
      configure: planContainerConfig(inst),
    }
  },
  planDelete: planDeleteInContainer,
}
