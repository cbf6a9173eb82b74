// What the kernel programs' (ip, tc, iptables, nsenter) error text means, in
// one tested place: callers ask a question instead of matching strings.

/** A create failed because a device of that name is already there. */
export const alreadyExists = (msg: string): boolean => /File exists/.test(msg)

/** The kernel refuses an IPv6 address or route because IPv6 is switched off on the device. */
export const ipv6Disabled = (msg: string): boolean => /IPv6 is disabled/.test(msg)

/** Deleting what is already gone (the device, its namespace or process). */
export const alreadyGone = (msg: string): boolean =>
  /Cannot find device|No such device|does not exist|cannot (open|enter) \/proc\/\d+\/ns\/net/.test(msg)

/** The kernel has no module for this link type. */
export const unknownDeviceType = (msg: string): boolean => /Unknown device type/.test(msg)

/** conlink lacks a capability or privilege (not a missing feature). */
export const notPermitted = (msg: string): boolean => /Operation not permitted|Permission denied/.test(msg)

/** The namespace of process `pid` may not be opened (nsenter's and the job helper's wording alike). */
export const namespaceDenied = (msg: string, pid: number): boolean => msg.includes(`cannot open /proc/${pid}/ns/net: Permission denied`)

/** `ip -force -batch` and `tc -force -batch` print the error lines, then `Command failed -:N`. Returns line number -> message. */
export function parseBatchErrors(stderr: string): Map<number, string> {
  return parseBatchOutcome(stderr).failures
}

/**
 * What a `-force -batch` run says: the failed lines (1-based) with their
 * messages, and `stopped`: error text after the last `Command failed`, which
 * means the program gave up on a line it could not parse and ran none after it.
 */
export function parseBatchOutcome(stderr: string): { failures: Map<number, string>; stopped?: string } {
  const failures = new Map<number, string>()
  let pending: string[] = []
  for (const line of stderr.split('\n')) {
    const m = /^Command failed -:(\d+)/.exec(line)
    if (m) {
      failures.set(Number(m[1]), pending.join('; ') || 'failed')
      pending = []
    } else if (line.trim()) pending.push(line.trim())
  }
  return pending.length ? { failures, stopped: pending.join('; ') } : { failures }
}
