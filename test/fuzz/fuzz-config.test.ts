// Fuzzing the config pipeline (helper H9): the example configs, parsed and
// mutated with a seeded generator (delete keys, change types, hostile / long /
// unicode strings, numbers, duplicated list items, wrong nesting), go through
// loadNetworkConfig from a temp file. Each result must be a valid config
// (which then instantiates and plans without anything but ConlinkError) or a
// ConlinkError whose every message names the file: never a TypeError or a
// stack trace. A few hundred also go through the CLI (`conlink config`).
// FUZZ_SEED, FUZZ_CASES, FUZZ_CLI_CASES, FUZZ_SECONDS and FUZZ_CLI_SECONDS override the defaults.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import jsYaml from 'js-yaml'
import { allLinks, instantiateLink, loadNetworkConfig } from '../../src/config/index.js'
import type { NetworkConfig } from '../../src/config/types.js'
import { ConfigErrors, isConlinkError } from '../../src/errors.js'
import { planLinkAdd, planLinkDelete } from '../../src/net/index.js'
import { planTunnelAdd, planTunnelDelete } from '../../src/net/links/tunnel.js'
import { fakeContainer, fakeCtx, payloads } from '../unit/hostile-corpus.js'
import { ROOT, conlink, ensureBuilt } from '../cli/tools-cli.js'

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)
const CASES = Number(process.env.FUZZ_CASES ?? 3000)
const CLI_CASES = Number(process.env.FUZZ_CLI_CASES ?? 150)
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 20)
const CLI_SECONDS = Number(process.env.FUZZ_CLI_SECONDS ?? 60)
console.log(`# fuzz seed ${SEED} (rerun with FUZZ_SEED=${SEED}), ${CASES} cases, ${CLI_CASES} through the CLI, at most ${SECONDS} s / ${CLI_SECONDS} s`)

const dir = mkdtempSync(join(tmpdir(), 'h9-fuzz-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** mulberry32: small, fast, seeded. */
function rng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]
  return { next, int, pick }
}
type Rng = ReturnType<typeof rng>

interface Example {
  name: string
  kind: 'compose' | 'network'
  doc: unknown
}

function examples(): Example[] {
  const files = [
    // test6-cfn.yaml is a CloudFormation template, not a conlink config
    ...readdirSync(join(ROOT, 'examples')).filter((f) => /\.ya?ml$/.test(f) && f !== 'test6-cfn.yaml').map((f) => join(ROOT, 'examples', f)),
    ...readdirSync(join(ROOT, 'examples', 'test4', 'modes')).map((m) => join(ROOT, 'examples', 'test4', 'modes', m, 'compose.yaml')).filter(existsSync),
  ]
  return files.map((f) => {
    const doc = jsYaml.load(readFileSync(f, 'utf8')) as Record<string, unknown>
    return { name: f.slice(ROOT.length + 1), kind: 'services' in doc || 'x-network' in doc ? 'compose' : 'network', doc }
  })
}

const HOSTILE = payloads(1000).map((p) => p.value)
const KEYS = ['links', 'bridges', 'tunnels', 'commands', 'service', 'container', 'bridge', 'dev', 'outer-dev', 'ip', 'mac', 'mtu', 'route', 'nat',
  'netem', 'mode', 'vlanid', 'forward', 'ethtool', 'type', 'remote', 'vni', 'command', 'x-network', 'services', '__proto__', 'constructor', 'toString']

function randomValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 1 ? 9 : 12)) {
    case 0: return r.pick(HOSTILE)
    case 1: return 'x'.repeat(r.pick([16, 300, 5000]))
    case 2: return r.pick(['é', '💥', 'ｅｔｈ０', '\u202e', '\ud800', 'ß'.repeat(20), '\u0000', ''])
    case 3: return r.pick([0, -1, 1.5, 65536, 2 ** 53, 1e308, NaN, 4094, 68])
    case 4: return r.pick([true, false, null])
    case 5: return r.pick(['veth', 'vlan', 'macvlan', 'dummy', 'ipvlan', 'patch', 'ovs', 'vxlan', 'geneve', 'bridge'])
    case 6: return r.pick(['10.0.0.1/24', '10.0.0.1', '255.255.255.255/32', '00:0a:0b:0c:0d:01', 'ff:ff:ff:ff:ff:ff', '80:80/tcp', '65535:65535/udp'])
    case 7: return r.pick(['${X}', '${UNSET:?boom}', '$$x', '${X:-a b}', '$', '${', '$X$Y'])
    case 8: return r.pick(['s1', 'eth0', 'node', 'r0', 'default via 10.0.0.1', 'delay 10ms', '--offload rx off'])
    case 9: return [randomValue(r, depth + 1), randomValue(r, depth + 1)]
    case 10: return { [r.pick(KEYS)]: randomValue(r, depth + 1) }
    default: return []
  }
}

/** All [container, key] slots in the document (objects and arrays). */
function slots(v: unknown, out: Array<[Record<string, unknown> | unknown[], string | number]> = []) {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), slots(x, out)))
  else if (v && typeof v === 'object')
    for (const k of Object.keys(v)) {
      out.push([v as Record<string, unknown>, k])
      slots((v as Record<string, unknown>)[k], out)
    }
  return out
}

function mutate(doc: unknown, r: Rng): unknown {
  const all = slots(doc)
  if (all.length === 0) return randomValue(r)
  // prefer the x-network parts: mutations elsewhere in a compose file change nothing conlink reads
  const net = all.filter(([, k]) => typeof k === 'number' || KEYS.includes(String(k)))
  const [holder, key] = r.pick(net.length && r.next() < 0.8 ? net : all)
  const h = holder as Record<string | number, unknown>
  const value = h[key]
  switch (r.int(8)) {
    case 0: // delete
      if (Array.isArray(holder)) holder.splice(key as number, 1)
      else delete h[key]
      break
    case 1: // change type / replace
      h[key] = randomValue(r)
      break
    case 2: // hostile string
      h[key] = r.pick(HOSTILE)
      break
    case 3: // duplicate a list item
      if (Array.isArray(holder)) holder.push(structuredClone(value))
      else h[key] = [value, structuredClone(value)]
      break
    case 4: // wrong nesting
      h[key] = r.next() < 0.5 ? [value] : { [r.pick(KEYS)]: value }
      break
    case 5: // unwrap (list to its first item, map to one of its values)
      h[key] = Array.isArray(value) ? value[0] : value && typeof value === 'object' ? Object.values(value)[0] : value
      break
    case 6: // add a key
      if (!Array.isArray(holder) && holder && typeof holder === 'object') h[r.pick(KEYS)] = randomValue(r)
      else h[key] = randomValue(r)
      break
    default: // stringify a number or numberify a string
      h[key] = typeof value === 'number' ? String(value) : typeof value === 'string' ? Number(value.length) : randomValue(r)
  }
  return doc
}

/** One fuzz case: a mutated example written to a file (YAML mostly, JSON sometimes). */
function makeCase(ex: Example, r: Rng, n: number): { file: string; kind: Example['kind'] } {
  let doc: unknown = structuredClone(ex.doc)
  for (let i = 0, m = 1 + r.int(4); i < m; i++) doc = mutate(doc, r)
  const json = r.next() < 0.2
  const file = join(dir, `case-${n}.${json ? 'json' : 'yaml'}`)
  let text: string
  try {
    text = json ? JSON.stringify(doc) ?? 'null' : jsYaml.dump(doc)
  } catch {
    text = JSON.stringify(doc) ?? 'null'
  }
  writeFileSync(file, text)
  return { file, kind: ex.kind }
}

/** Instantiate and plan every link and tunnel of a valid config: only ConlinkErrors may come out. */
function planAll(config: NetworkConfig, r: Rng): void {
  const ctx = fakeCtx(config)
  for (const link of allLinks(config)) {
    try {
      const inst = instantiateLink(link, fakeContainer(link.container ?? `p_${link.service}_1`, { index: 1 + r.int(300) }))
      planLinkAdd(ctx, inst)
      planLinkDelete(ctx, inst)
    } catch (e) {
      if (!isConlinkError(e)) throw e
    }
  }
  for (const t of config.tunnels) {
    planTunnelAdd(t, ctx)
    planTunnelDelete(t, ctx)
  }
}

function checkError(e: unknown, file: string, label: string): void {
  assert.ok(isConlinkError(e), `${label}: not a ConlinkError: ${e instanceof Error ? e.stack : String(e)}`)
  for (const err of e instanceof ConfigErrors ? e.errors : [e]) {
    const text = err.describe()
    assert.equal(err.place.file, file, `${label}: error names no file: ${text}`)
    assert.ok(err.place.path || err.message.length > 5, `${label}: no path and no clear text: ${text}`)
    assert.doesNotMatch(text, /\n\s+at |TypeError|\[object Object\]/, `${label}: ${text}`)
  }
}

const ENV = { X: 'x', Y: 'y', NODE_NAME_1: 'h9n1', NODE_NAME_2: 'h9n2', BRIDGE_MODE: 'linux' }

test('fuzzed configs load as a valid config or a clear ConlinkError', async () => {
  const r = rng(SEED)
  const exs = examples()
  assert.ok(exs.length >= 10, `only ${exs.length} examples`)
  const t0 = performance.now()
  let n = 0
  let valid = 0
  for (; n < CASES && performance.now() - t0 < SECONDS * 1000; n++) {
    const ex = r.pick(exs)
    const { file, kind } = makeCase(ex, r, n)
    const label = `case ${n} (seed ${SEED}, from ${ex.name}, ${file})`
    try {
      const { config } = await loadNetworkConfig({ [kind === 'compose' ? 'composeFiles' : 'networkFiles']: [file], env: ENV, probe: () => r.next() < 0.5 })
      valid++
      planAll(config, r)
    } catch (e) {
      checkError(e, file, label)
    }
    rmSync(file)
  }
  const secs = (performance.now() - t0) / 1000
  console.log(`# fuzz: ${n} cases in ${secs.toFixed(1)} s: ${valid} valid, ${n - valid} rejected with a clear error`)
  assert.ok(n >= Math.min(CASES, 500), `only ${n} cases ran`)
})

test('fuzzed configs through `conlink config`: exit 0 or 1, no stack trace', async () => {
  ensureBuilt()
  const r = rng(SEED + 1)
  const exs = examples()
  const t0 = performance.now()
  let n = 0
  const codes = new Map<number, number>()
  const worker = async () => {
    while (n < CLI_CASES && performance.now() - t0 < CLI_SECONDS * 1000) {
      const i = n++
      const ex = r.pick(exs)
      const { file, kind } = makeCase(ex, r, 100_000 + i)
      const res = await conlink(['config', kind === 'compose' ? '--compose-file' : '--network-file', file], { env: { ...process.env, ...ENV } })
      const label = `CLI case ${i} (seed ${SEED}, from ${ex.name}): exit ${res.code}\n${res.stderr}`
      assert.ok(res.code === 0 || res.code === 1, label)
      assert.doesNotMatch(res.stderr, /^\s+at /m, label)
      if (res.code === 1) assert.ok(res.stderr.includes(file), label)
      codes.set(res.code, (codes.get(res.code) ?? 0) + 1)
      rmSync(file)
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()])
  console.log(`# fuzz CLI: ${n} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${codes.get(0) ?? 0} exit 0, ${codes.get(1) ?? 0} exit 1`)
  assert.ok(n >= Math.min(CLI_CASES, 30))
})
