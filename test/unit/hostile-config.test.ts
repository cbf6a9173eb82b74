// Hostile input at the plan level (helper H9): every corpus payload in every
// string property is either rejected by validation (naming file and path) or
// reaches the planned argv / batch lines only as whole arguments.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { instantiateLink, allLinks, loadNetworkConfig } from '../../src/config/index.js'
import type { NetworkConfig } from '../../src/config/types.js'
import { ConfigErrors, isConlinkError, type ConlinkError } from '../../src/errors.js'
import { planLinkAdd, planLinkDelete } from '../../src/net/index.js'
import { planBridgeCreate, planBridgeDelete } from '../../src/net/bridges.js'
import { planTunnelAdd, planTunnelDelete } from '../../src/net/links/tunnel.js'
import type { Op } from '../../src/net/ops.js'
import { CORPUS_SIZE, TARGETS, fakeContainer, fakeCtx, opProblems, payloads, wholeArgs, withUndo } from './hostile-corpus.js'

const dir = mkdtempSync(join(tmpdir(), 'h9-hostile-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** Every op conlink would plan for a config: links (add, delete, undo), bridges, tunnels. */
export function allPlannedOps(config: NetworkConfig): Op[] {
  const ctx = fakeCtx(config)
  const ops: Op[] = []
  for (const link of allLinks(config)) {
    const c = fakeContainer(link.container ?? `proj_${link.service}_1`)
    const inst = instantiateLink(link, c)
    const plan = planLinkAdd(ctx, inst)
    ops.push(...plan.create, ...plan.configure, ...planLinkDelete(ctx, inst))
  }
  for (const b of Object.values(config.bridges)) ops.push(...planBridgeCreate(b), ...planBridgeDelete(b))
  for (const t of config.tunnels) {
    const p = planTunnelAdd(t, ctx)
    ops.push(...p.create, ...p.configure, ...planTunnelDelete(t, ctx))
  }
  return withUndo(ops)
}

function errorsOf(e: ConlinkError): ConlinkError[] {
  return e instanceof ConfigErrors ? e.errors : [e]
}

// A name-like property must refuse anything a shell, a line parser or an option parser could read.
const NAME_TARGET = /dev|bridge|mode|type|mac|\.ip|nat|forward|remote|service|container/
const DANGEROUS = /[;&|$`'"<>\s\\\x00-\x1f#*~!(){}%+]|^-/
const OUTSIDE_ARG_CHARSET = /[^A-Za-z0-9_.:/@%+=, -]/

let accepted = 0
let rejected = 0

for (const target of TARGETS) {
  test(`hostile values in ${target.name}`, async () => {
    for (const p of payloads()) {
      const file = join(dir, `case-${p.n}.json`)
      writeFileSync(file, JSON.stringify(target.build(p.value)))
      let config: NetworkConfig
      try {
        config = (await loadNetworkConfig({ networkFiles: [file], env: {}, probe: () => false })).config
      } catch (e) {
        assert.ok(isConlinkError(e), `${target.name} = ${JSON.stringify(p.value)}: not a ConlinkError: ${String(e)}`)
        for (const err of errorsOf(e)) {
          assert.equal(err.place.file, file, `${err.describe()}: names no file`)
          assert.ok(err.place.path, `${err.describe()}: names no path`)
          assert.doesNotMatch(err.describe(), /\n\s+at /, 'no stack trace')
        }
        rejected++
        continue
      }
      accepted++
      // what validation saw: compose interpolation ran first (unset variables are empty, `$$` is `$`)
      const value = p.value.replace(/\$\{[^}]*\}/g, '').replaceAll('$$', '$')
      const name = target.name.split(' ')[0]
      if (NAME_TARGET.test(name) && !/route|netem|ethtool/.test(name))
        assert.doesNotMatch(value, DANGEROUS, `${target.name} accepted ${JSON.stringify(value)}`)
      if (/route|netem|ethtool/.test(name)) assert.doesNotMatch(value, OUTSIDE_ARG_CHARSET, `${target.name} accepted ${JSON.stringify(value)}`)
      for (const op of allPlannedOps(config)) {
        assert.deepEqual(opProblems(op), [], `${target.name} = ${JSON.stringify(value)}`)
        assert.ok(wholeArgs(op, value), `${target.name} = ${JSON.stringify(value)} is not whole arguments in ${op.args.join(' ')}`)
      }
    }
  })
}

test('the corpus was exercised', () => {
  assert.ok(CORPUS_SIZE >= 40)
  assert.equal(accepted + rejected, CORPUS_SIZE * TARGETS.length)
  assert.ok(accepted > 0 && rejected > accepted, `accepted ${accepted}, rejected ${rejected}`)
  console.log(`# hostile corpus: ${CORPUS_SIZE} payloads x ${TARGETS.length} properties: ${rejected} rejected, ${accepted} accepted as data`)
})

test('a rejected value says what is wrong where', async () => {
  const file = join(dir, 'clear.json')
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ links: [{ service: 'node', bridge: 's1', dev: '-rf' }] }, 'links[0].dev', /invalid interface name "-rf".*not starting with `-`/],
    [{ links: [{ service: 'node', bridge: 's1', 'outer-dev': 'eth%d' }] }, 'links[0].outer-dev', /invalid interface name/],
    [{ links: [{ service: 'node', bridge: 's1', route: 'default via 10.0.0.1\nlink del dev eth0' }] }, 'links[0].route', /contains a newline/],
    [{ links: [{ service: 'node', bridge: 's1', route: ['x', 'y $(id)'] }] }, 'links[0].route[1]', /contains `\$`/],
    [{ links: [{ service: 'node', bridge: 's1', ethtool: 'tx off' }] }, 'links[0].ethtool', /must start with an ethtool option/],
    [{ links: [{ container: 'a;b', bridge: 's1' }] }, 'links[0].container', /invalid container name "a;b"/],
    [{ commands: [{ service: 'x\ny', command: 'true' }] }, 'commands[0].service', /invalid service name/],
  ]
  for (const [doc, path, message] of cases) {
    writeFileSync(file, JSON.stringify(doc))
    await assert.rejects(loadNetworkConfig({ networkFiles: [file], env: {}, probe: () => false }), (e: unknown) => {
      assert.ok(isConlinkError(e))
      const text = e.describe()
      assert.ok(text.startsWith(`${file}: ${path}: `), text)
      assert.match(text, message)
      return true
    })
  }
})

test('container names, ids and service labels from engine events only reach names through checked parts', () => {
  const config: NetworkConfig = {
    bridges: { s1: { bridge: 's1', mode: 'linux', 'resolved-mode': 'linux' } },
    tunnels: [],
    containers: {},
    services: {},
  }
  const link = {
    type: 'veth' as const, service: 'averyveryverylongservice', dev: 'eth0', bridge: 's1', route: [], netem: [], forward: [], ethtool: [],
    base: 'conlink' as const, origin: { file: 'f.yaml', path: 'links[0]' },
  }
  const ctx = fakeCtx(config)
  for (const [name, id] of [['evil;$(touch /tmp/h9-canary-x)\n', ';touch /tmp/h9-canary-x\nlink del dev eth0'], ['-rf', '-rf abcdef'], ['ok', 'zz\n']]) {
    const inst = instantiateLink(link, fakeContainer(name, { id, service: name, project: name }))
    assert.match(inst.outerEnd!, /^c[0-9a-f]{0,8}-eth0$/)
    const plan = planLinkAdd(ctx, inst)
    for (const op of withUndo([...plan.create, ...plan.configure, ...planLinkDelete(ctx, inst)])) {
      assert.deepEqual(opProblems(op), [])
      assert.ok(op.args.every((a) => !a.includes('touch') && !a.startsWith('-rf')), op.args.join(' '))
    }
  }
})
