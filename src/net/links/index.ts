import type { LinkType } from '../../config/types.js'
import { dummy } from './dummy.js'
import { ipvlan, ipvtap } from './ipvlan.js'
import type { LinkKind } from './kind.js'
import { macvlan, macvtap } from './macvlan.js'
import { veth } from './veth.js'
import { vlan } from './vlan.js'

export const LINK_KINDS: Record<LinkType, LinkKind> = { veth, dummy, vlan, macvlan, macvtap, ipvlan, ipvtap }
export type { LinkKind } from './kind.js'
