// Mutation testing of src/config (issue 18), group D: interpolate.ts, enrich.ts, replica.ts.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'
import { test } from 'node:test'
import { enrich, ovsModuleLoaded } from '../../src/config/enrich.js'
import { words as splitArgs } from '../../src/net/ops.js'
import { interpolateString, type InterpolationResult } from '../../src/config/interpolate.js'
import { mergePieces } from '../../src/config/merge.js'
import { checkOuterNames, instantiateLink } from '../../src/config/replica.js'
import type { ContainerInfo, LinkSpec } from '../../src/config/types.js'
import { isConlinkError } from '../../src/errors.js'
import { loadNet, rejectsWith } from './config-helpers.js'

/** ovsModuleLoaded() with /sys/module/openvswitch present or not and /proc/modules holding `modules` (undefined: unreadable). */
function ovsWith(sysModule: boolean, modules: string | undefined): boolean {
  const { existsSync, readFileSync } = fs
  fs.existsSync = ((p: fs.PathLike) => sysModule && p === '/sys/module/openvswitch') as typeof fs.existsSync
  fs.readFileSync = ((p: fs.PathOrFileDescriptor) => {
    if (p !== '/proc/modules' || modules === undefined) throw Object.assign(new Error(`ENOENT: ${String(p)}`), { code: 'ENOENT' })
    return modules
  }) as typeof fs.readFileSync
  syncBuiltinESMExports()
  try {
    return ovsModuleLoaded()
  } finally {
    Object.assign(fs, { existsSync, readFileSync })
    syncBuiltinESMExports()
  }
}

test('ovsModuleLoaded: /sys/module/openvswitch, else a line of /proc/modules starting `openvswitch `; unreadable is false', () => {
  assert.equal(ovsWith(true, undefined), true)
  assert.equal(ovsWith(false, 'nf_nat 61440 1 - Live 0x0\nopenvswitch 200704 2 - Live 0x0\n'), true)
  assert.equal(ovsWith(false, 'vport_openvswitch 16384 0 - Live 0x0\nopenvswitchx 1 0 - Live 0x0\n'), false)
  assert.equal(ovsWith(false, undefined), false)
})

test('words: an empty or blank string is no arguments', () => {
  assert.deepEqual(splitArgs(''), [])
  assert.deepEqual(splitArgs('   '), [])
})

const where = { file: 'f.yaml', path: 'links[0].container' }
function interp(s: string, env: Record<string, string> = {}) {
  const out: InterpolationResult = { warnings: [], errors: [] }
  return { value: interpolateString(s, env, where, out), errors: out.errors.map((e) => e.describe()), warnings: out.warnings }
}
const SYNTAX_HINT = '(use ${NAME}, ${NAME:-default} or ${NAME:?message})'

test('interpolation: `${}` and a name not starting with a letter are invalid, expand to nothing, with place and hint', () => {
  assert.deepEqual(interp('${}'), { value: '', errors: [`f.yaml: links[0].container: invalid interpolation \`\${}\` ${SYNTAX_HINT}`], warnings: [] })
  assert.deepEqual(interp('a${1A}b'), { value: 'ab', errors: [`f.yaml: links[0].container: invalid interpolation \`\${1A}\` ${SYNTAX_HINT}`], warnings: [] })
})

test('interpolation: an unknown operator after the name is invalid, even when `-` follows later', () => {
  assert.deepEqual(interp('a${A!x}b'), { value: 'ab', errors: [`f.yaml: links[0].container: invalid interpolation \`\${A!x}\` ${SYNTAX_HINT}`], warnings: [] })
  assert.deepEqual(interp('${A!-x}').errors, [`f.yaml: links[0].container: invalid interpolation \`\${A!-x}\` ${SYNTAX_HINT}`])
})

test('interpolation: a failed `?` form expands to nothing, with the hint to set the variable', () => {
  assert.deepEqual(interp('a${X:?need X}b'), { value: 'ab', errors: ['f.yaml: links[0].container: need X (variable X is not set) (set X in the environment)'], warnings: [] })
})

test('interpolation: `${` nested 32 deep is fine, 33 deep is an error with a hint', () => {
  const nest = (n: number) => '${A:-'.repeat(n) + 'x' + '}'.repeat(n)
  assert.deepEqual(interp(nest(32)), { value: 'x', errors: [], warnings: [] })
  const out: InterpolationResult = { warnings: [], errors: [] }
  assert.equal(interpolateString(nest(33), {}, where, out), nest(33))
  assert.equal(out.errors.length, 1)
  assert.match(out.errors[0].message, /^`\$\{` nested more than 32 deep in "\$\{A:-/)
  assert.equal(out.errors[0].hint, 'nest fewer defaults')
  assert.deepEqual(out.errors[0].place, where)
})

test('interpolation: only `${` opens a nested brace: a lone `{` or `$` in a default is text', () => {
  assert.deepEqual(interp('${U:-a{b}'), { value: 'a{b', errors: [], warnings: [] })
  assert.deepEqual(interp('${U:-$$}'), { value: '$', errors: [], warnings: [] })
})

test('enrich: a bridge first named by links has no members beyond them (default mode patch, two links)', async () => {
  const { config } = await loadNet('links:\n  - {service: a, bridge: s9}\n  - {service: b, bridge: s9}\n', { defaultBridgeMode: 'patch' }).result
  assert.deepEqual(config.bridges.s9, { bridge: 's9', mode: 'patch', 'resolved-mode': 'patch' })
})

test('enrich: a patch bridge with a tunnel lists it as `tunnel <outer-dev>`, with a hint', async () => {
  const { file, result } = loadNet('bridges: [{bridge: p1, mode: patch}]\nlinks:\n  - {service: a, bridge: p1}\n  - {service: b, bridge: p1}\ntunnels:\n  - {type: vxlan, bridge: p1, remote: 10.9.9.9, vni: 7}\n')
  const text = await rejectsWith(result)
  assert.equal(text, `${file}: bridges[0]: patch bridge p1 joins 3 links (service a:eth0, service b:eth0, tunnel vxlan-7); a patch joins exactly two (use mode linux or ovs for bridge p1)`)
})

test('enrich: an ovs bridge asks the probe; with OVS there is neither warning nor error, without it strictOvs gives a hint', async () => {
  const body = 'bridges: [{bridge: o1, mode: ovs}]\nlinks:\n  - {service: a, bridge: o1}\n'
  let asked = 0
  const ok = await loadNet(body, { defaultBridgeMode: 'linux', strictOvs: true, probe: () => ++asked > 0 }).result
  assert.equal(asked, 1)
  assert.deepEqual(ok.warnings, [])
  assert.equal(ok.config.bridges.o1['resolved-mode'], 'ovs')
  const { file, result } = loadNet(body, { strictOvs: true })
  const text = await rejectsWith(result)
  assert.equal(text, `${file}: bridges[0]: bridge o1 has mode ovs but the openvswitch kernel module is not loaded (load openvswitch on the host (modprobe openvswitch) or use mode linux)`)
})

test('enrich: a second tunnel with the same type and vni has a hint', async () => {
  const { file, result } = loadNet('tunnels:\n  - {type: vxlan, bridge: s1, remote: 10.9.9.9, vni: 1}\n  - {type: vxlan, bridge: s2, remote: 10.9.9.8, vni: 1}\n')
  assert.equal(await rejectsWith(result), `${file}: tunnels[1]: a second vxlan tunnel with vni 1 (each tunnel needs its own type and vni)`)
})

test('enrich: forwards on a link without a bridge are left to the schema', () => {
  const merged = mergePieces([{ file: 'n.yaml', prefix: '', doc: { links: [{ service: 'a', ip: '10.0.0.1/24', forward: '80:80/tcp' }] } }])
  const r = enrich(merged, { defaultBridgeMode: 'linux', defaultMtu: 1500, keepVethOffload: false, probe: () => false })
  assert.deepEqual(r.errors, [])
  assert.deepEqual(r.config.services.a.links[0].forward, [{ 'conlink-port': 80, port: 80, proto: 'tcp' }])
})

const link = (i: number, over: Partial<LinkSpec>): LinkSpec => ({
  type: 'veth', dev: 'eth0', bridge: 's1', route: [], netem: [], forward: [], ethtool: [], base: 'conlink',
  origin: { file: 'f', path: `links[${i}]` }, ...over,
})
const outerNames = (...over: Partial<LinkSpec>[]) => checkOuterNames(over.map((o, i) => link(i, o)))
const OUTER_HINT = 'set a different `outer-dev` on one of them, or rename a dev'
// `9615d` is the long-name tail of `ethernet1` (5 hex digits of its sha256)
const TAIL = '9615d'

test('outer names: two devs of one service whose long-name tails agree clash, naming both links, with a hint', () => {
  const [e, ...more] = outerNames({ service: 'a', dev: 'ethernet1' }, { service: 'a', dev: TAIL })
  assert.deepEqual(more, [])
  assert.equal(e.message, `outer interface name c<id>-${TAIL} (when too long) of this link is also the name of f: links[0]`)
  assert.equal(e.hint, OUTER_HINT)
  assert.deepEqual(e.place, { file: 'f', path: 'links[1]' })
  const [noFile] = outerNames({ service: 'a', dev: 'ethernet1', origin: { file: '', path: 'links[0]' } }, { service: 'a', dev: TAIL, origin: { file: '', path: 'links[1]' } })
  assert.equal(noFile.message, `outer interface name c<id>-${TAIL} (when too long) of this link is also the name of links[0]`)
})

test('outer names: long-name tails clash only within one owner, between different devs, when a name is too long', () => {
  assert.deepEqual(outerNames({ service: 'a', dev: 'ethernet1' }, { service: 'a', dev: 'ethernet1' }), [])
  assert.deepEqual(outerNames({ service: 'a', dev: 'ethernet1' }, { service: 'b', dev: TAIL }), [])
  assert.deepEqual(outerNames({ container: 'longcontainer1', dev: 'ethernet1' }, { container: 'longcontainer2', dev: TAIL }), [])
  assert.deepEqual(outerNames({ container: 'x', dev: 'ethernet1' }, { container: 'x', dev: TAIL }), [], 'both names short')
  assert.deepEqual(outerNames({ container: 'container', dev: TAIL }, { container: 'container', dev: 'ethernet1' }), [], 'container-9615d has 15 characters')
  const [e, ...more] = outerNames({ container: 'longcontainer1', dev: 'ethernet1' }, { container: 'longcontainer1', dev: TAIL })
  assert.deepEqual(more, [])
  assert.equal(e.message, `outer interface name c<id>-${TAIL} (when too long) of this link is also the name of f: links[0]`)
})

test('outer names: a fixed name of 15 characters is checked; equal names over 15 are not (they become c<id>- names)', () => {
  const [e, ...more] = outerNames({ container: 'x', 'outer-dev': 'abcdefghijklmno' }, { container: 'y', 'outer-dev': 'abcdefghijklmno' })
  assert.deepEqual(more, [])
  assert.equal(e.message, 'outer interface name abcdefghijklmno of this link is also the name of f: links[0]')
  assert.equal(e.hint, OUTER_HINT)
  assert.deepEqual(outerNames({ container: 'longcontainer-x', dev: 'eth0' }, { container: 'longcontainer', dev: 'x-eth0' }), [])
})

test('outer names: a service link with an outer-dev is not checked against its own replica names', () => {
  assert.deepEqual(outerNames({ service: 'a', 'outer-dev': 'a_1-eth0' }), [])
})

test('outer names: dots in a dev match only dots in a replica name', () => {
  const [e, ...more] = outerNames({ service: 'a', dev: 'e.1' }, { container: 'a_1', dev: 'e.1' })
  assert.deepEqual(more, [])
  assert.equal(e.message, 'outer interface name a_1-e.1 of this link for one of its replicas is the name of f: links[1]')
  assert.deepEqual(e.place, { file: 'f', path: 'links[0]' })
  assert.deepEqual(outerNames({ service: 'a', dev: 'e.1' }, { container: 'a_1', dev: 'ex1' }), [])
})

const container = (over: Partial<ContainerInfo> = {}): ContainerInfo => ({ id: '0123456789abcdef'.repeat(4), name: 'p_node_1', pid: 42, project: 'p', service: 'node', index: 1, ...over })

test('instantiateLink: a fixed outer-dev on replica 2 has a hint', () => {
  assert.throws(() => instantiateLink(link(0, { service: 'node', 'outer-dev': 'fixed0' }), container({ index: 2 })), (e: unknown) => {
    assert.ok(isConlinkError(e))
    assert.equal(e.hint, 'remove outer-dev from this service link (names are generated per replica) or do not scale the service')
    return true
  })
})

test('instantiateLink: an error that is not a ConlinkError (fractional replica index on IPv6) is passed on unchanged', () => {
  assert.throws(() => instantiateLink(link(0, { service: 'node', ip: 'fd00::1/64' }), container({ index: 1.5 })), (e: unknown) => e instanceof RangeError && !isConlinkError(e))
})
