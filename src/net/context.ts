import type { BridgeSpec } from '../config/types.js'
import type { Runner } from '../exec.js'
import type { Capabilities } from './capabilities.js'

export interface NetContext {
  /** The network container's pid; undefined = conlink runs in that namespace itself. */
  conlinkPid?: number
  /** The host namespace's pid for *vlan/*vtap parents (default 1; tests use a stand-in). */
  hostPid?: number
  bridges: Record<string, BridgeSpec>
  capabilities: Capabilities
  /** The network container's DOCKER-ETH0 addresses (IPv4 `ip`, global IPv6 `ip6`), when its eth0 was renamed (needed by forward). */
  dockerEth0?: { ip?: string; ip6?: string }
  /** Processes run at once (default 8). */
  parallel?: number
  /** How kernel programs run (default: the job helper); tests may substitute one. */
  runner?: Runner
  /** Longest one kernel program may run (default executor.JOB_TIMEOUT_MS). */
  jobTimeoutMs?: number
  /** Who is on each patch bridge so far (kept by the patch bridge kind, patch.ts; made when first needed). */
  patchMembers?: Map<string, string[]>
}
