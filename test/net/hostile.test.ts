// Hostile input, live (helper H9): every corpus payload that validation
// accepts is run for real on network namespaces (a fake network container, a
// fake host with a parent interface, a fresh fake container per case), with
// every capability claimed so each program really gets the value. Each
// payload tries to create its own canary file; afterwards none may exist.
// A named netns makes an injected `ip -batch` line `netns exec ...` able to
// run, so the canary would catch a line injection.
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { allLinks, instantiateLink, loadNetworkConfig } from '../../src/config/index.js'
import type { NetworkConfig } from '../../src/config/types.js'
import { isConlinkError } from '../../src/errors.js'
import { run } from '../../src/exec.js'
import { addContainerLinks, createBridges, createTunnels, deleteBridges, deleteContainerLinks, deleteTunnels, type NetContext } from '../../src/net/index.js'
import { CANARY_DIR, CANARY_NETNS, TARGETS, allCaps, canaryPath, payloads } from '../unit/hostile-corpus.js'
import { inside, startContainer, type FakeContainer } from './ns.js'

const isRoot = process.getuid?.() === 0
/** What the corpus does today (see the test's log line); update consciously. */
const EXPECTED_TALLY = { rejectedAtValidation: 1118, accepted: 78, linksCreated: 7, linksRefusedLive: 55, otherRefusedLive: 15 }
const dir = mkdtempSync(join(tmpdir(), 'h9-live-'))
const started: FakeContainer[] = []
let net: FakeContainer
let host: FakeContainer

const canaries = () => readdirSync(CANARY_DIR).filter((f) => f.startsWith('h9-canary-'))
const removeCanaries = () => canaries().forEach((f) => rmSync(join(CANARY_DIR, f), { force: true }))

async function fake(name: string): Promise<FakeContainer> {
  const c = await startContainer(name)
  started.push(c)
  return c
}

before(async () => {
  if (!isRoot) return
  removeCanaries()
  await run(['ip', 'netns', 'add', CANARY_NETNS], { allowFailure: true })
  net = await fake('h9-net')
  host = await fake('h9-host')
  // the parent interface for *vlan links in the fake host
  await inside(host, ['ip', 'link', 'add', 'eth0', 'up', 'type', 'veth', 'peer', 'name', 'h9-peer'])
})

after(async () => {
  started.forEach((c) => c.kill())
  if (isRoot) await run(['ip', 'netns', 'del', CANARY_NETNS], { allowFailure: true })
  removeCanaries()
  rmSync(dir, { recursive: true, force: true })
})

test('the canary works: an injected ip -batch line would create it', { skip: !isRoot && 'needs root (network namespaces)' }, async () => {
  const file = canaryPath(9999)
  await run(['ip', '-batch', '-'], { input: `netns exec ${CANARY_NETNS} touch ${file}\n` })
  assert.ok(existsSync(file), 'an injected line runs: the canary is meaningful')
  rmSync(file)
})

/** What one accepted config did live: links created, links refused by a program with a ConlinkError, other refusals. */
interface LiveOutcome {
  created: number
  refused: number
  other: string[]
}

/** Run one accepted config for real: bridges, tunnels, each link in a fresh fake container; then remove everything. */
async function runLive(config: NetworkConfig, label: string): Promise<LiveOutcome> {
  const ctx: NetContext = { conlinkPid: net.pid, hostPid: host.pid, bridges: config.bridges, capabilities: allCaps, dockerEth0: { ip: '10.255.0.2/24' } }
  const outcome: LiveOutcome = { created: 0, refused: 0, other: [] }
  const note = (what: string, e: unknown) => {
    assert.ok(isConlinkError(e), `${label}: ${what} threw a non-ConlinkError: ${String(e)}`)
    outcome.other.push(`${what}: ${e.describe()}`)
  }
  const bridges = Object.values(config.bridges)
  try {
    await createBridges(ctx, bridges)
  } catch (e) {
    note('bridges', e)
    return outcome
  }
  try {
    await createTunnels(ctx, config.tunnels).catch((e) => note('tunnels', e))
    for (const link of allLinks(config)) {
      const c = await fake(`h9c-${started.length}`)
      const inst = instantiateLink(link, { ...c, name: link.container ?? `h9_${link.service}_1`, service: link.service })
      try {
        await addContainerLinks(ctx, [inst])
        // created: the interface really is in the container, under the configured name
        const names = (JSON.parse((await inside(c, ['ip', '-j', 'link', 'show'])).stdout) as Array<{ ifname: string }>).map((l) => l.ifname)
        assert.ok(names.includes(inst.dev), `${label}: created, yet ${inst.dev} is not in the container (${names.join(', ')})`)
        outcome.created++
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e
        assert.ok(isConlinkError(e), `${label}: link threw a non-ConlinkError: ${String(e)}`)
        assert.match(e.message, /cannot create \S+ link h9\S*:/, `${label}: the error names the link`)
        outcome.refused++
      }
      await deleteContainerLinks(ctx, [inst])
      c.kill()
    }
    await deleteTunnels(ctx, config.tunnels)
  } finally {
    await deleteBridges(ctx, bridges)
  }
  return outcome
}

test('every accepted hostile value runs as data: no canary appears', { skip: !isRoot && 'needs root (network namespaces)', timeout: 300_000 }, async () => {
  const tally = { rejectedAtValidation: 0, accepted: 0, linksCreated: 0, linksRefusedLive: 0, otherRefusedLive: 0 }
  for (const target of TARGETS) {
    if (target.name.startsWith('commands')) continue // commands run through the engine; their names are checked at plan level
    for (const p of payloads()) {
      const file = join(dir, `case-${p.n}.json`)
      writeFileSync(file, JSON.stringify(target.build(p.value)))
      const config = await loadNetworkConfig({ networkFiles: [file], env: {}, probe: () => false }).then((r) => r.config, () => undefined)
      if (!config) {
        tally.rejectedAtValidation++
        continue
      }
      tally.accepted++
      const label = `${target.name} = ${JSON.stringify(p.value)}`
      const outcome = await runLive(config, label)
      tally.linksCreated += outcome.created
      tally.linksRefusedLive += outcome.refused
      tally.otherRefusedLive += outcome.other.length
      assert.equal(existsSync(canaryPath(p.n)), false, `${label}: its canary exists: a command ran`)
    }
  }
  // nothing left behind in the fake network container
  const left = JSON.parse((await inside(net, ['ip', '-j', 'link', 'show'])).stdout) as Array<{ ifname: string }>
  assert.deepEqual(left.map((l) => l.ifname), ['lo'])
  assert.deepEqual(canaries(), [], 'a payload ran a command')
  console.log(`# hostile corpus live: ${JSON.stringify(tally)}`)
  // Counted, not just "any error": a change to validation or to the corpus
  // must show up here and be looked at (then update the figures).
  assert.deepEqual(tally, EXPECTED_TALLY)
})
