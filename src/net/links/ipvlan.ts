import { childKind, modeArgs } from './child.js'

/** `ip link add link PARENT name DEV ... netns PID type ipvlan [mode M]`; ipvlan children share the parent's MAC (facts.ts). */
export const ipvlan = childKind('ipvlan', modeArgs)
export const ipvtap = childKind('ipvtap', modeArgs)
