import { childKind, modeArgs } from './child.js'

/** `ip link add link PARENT name DEV ... netns PID type ipvlan [mode M]`; ipvlan children share the parent's MAC. */
export const ipvlan = childKind('ipvlan', modeArgs, false)
export const ipvtap = childKind('ipvtap', modeArgs, false)
