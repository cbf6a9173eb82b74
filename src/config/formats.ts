// The schema's string formats (`"format": "ifname"` and so on): what each
// accepts, and how a rejected value is described. The compiled schema
// validator (schema-validator.gen.ts) calls these checks; validate.ts words
// the errors with `what` and `hint`.
import { isCidr, isIP } from './address.js'

export const isMac = (s: string): boolean => /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(s)

/**
 * Interface (and bridge) names: 1-15 of letters, digits, `_ . -`, not starting
 * with `-` (it would read as an option), not `.` or `..`. Stricter than the
 * kernel on purpose: no `%` (the kernel's `eth%d` name template), no `+`
 * (an iptables interface wildcard), nothing a line parser treats specially.
 */
export const isIfName = (s: string): boolean => /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}$/.test(s) && s !== '.' && s !== '..'

/** Compose service names (as Compose allows them, but not starting with `-`). */
const isServiceName = (s: string): boolean => /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/.test(s)

/** Container names as Docker and Podman allow them. */
const isContainerName = (s: string): boolean => /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(s)

export const FORWARD = /^(\d{1,5}):(\d{1,5})\/(tcp|udp)$/
export function isForward(s: string): boolean {
  const m = FORWARD.exec(s)
  return m !== null && [m[1], m[2]].every((p) => Number(p) >= 1 && Number(p) <= 65535)
}

export const FORMATS: Record<string, { check: (s: string) => boolean; what: string; hint: string }> = {
  cidr: { check: isCidr, what: 'IP address with prefix', hint: 'IPv4 e.g. 10.0.0.1/24 (prefix 0-32) or IPv6 e.g. 2001:db8::1/64 (prefix 0-128)' },
  ip: { check: isIP, what: 'IP address', hint: 'IPv4 e.g. 10.0.0.1 or IPv6 e.g. 2001:db8::1, without prefix' },
  mac: { check: isMac, what: 'MAC address', hint: 'six hex octets separated by `:`, e.g. 00:0a:0b:0c:0d:01' },
  ifname: { check: isIfName, what: 'interface name', hint: '1-15 letters, digits, `_`, `.` or `-`, not starting with `-`' },
  service: { check: isServiceName, what: 'service name', hint: 'a compose service name: letters, digits, `_`, `.` or `-`, not starting with `-`' },
  container: { check: isContainerName, what: 'container name', hint: 'a container name: letters, digits, `_`, `.` or `-`, starting with a letter or digit' },
  forward: { check: isForward, what: 'forward', hint: 'CONLINK_PORT:CONTAINER_PORT/PROTO with ports 1-65535 and proto tcp or udp, e.g. 8080:80/tcp' },
}
