import { childKind, modeArgs } from './child.js'

/** `ip link add link PARENT name DEV ... netns PID type macvlan [mode M]` in the host namespace. */
export const macvlan = childKind('macvlan', modeArgs)
export const macvtap = childKind('macvtap', modeArgs)
