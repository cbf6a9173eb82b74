// Config cases that mutation testing showed untested (group B: shape, load,
// index, upstream, command, merge): the alias and depth limits at their
// bounds, Compose's tags, the JSON fast path, error texts and places.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { configOptions } from '../../src/config/command.js'
import { formatConfig, loadNetworkConfig } from '../../src/config/index.js'
import { loadComposeFile, loadNetworkFile, readYamlFile, splitFileList } from '../../src/config/load.js'
import { mergeByIdentity, mergePieces } from '../../src/config/merge.js'
import { MAX_DEPTH, MAX_NODES, TaggedValue, checkShape, isOverride, isReset } from '../../src/config/shape.js'
import { isConlinkError } from '../../src/errors.js'
import { errorOf, writeTemp } from './config-helpers.js'


let n = 0
const files = (...texts: string[]) => texts.map((t) => writeTemp(`mb-${n++}.yaml`, t))
const loadFiles = (texts: string[], opts: Parameters<typeof loadNetworkConfig>[0] = {}) =>
  loadNetworkConfig({ env: {}, probe: () => false, ...opts, networkFiles: files(...texts) })

const TOO_LARGE = `alias expansion too large (over ${MAX_NODES} values once aliases are expanded)`
const ALIAS_HINT = 'use fewer or smaller aliases (`*name`)'
const TAG_HINT = 'inside x-network only the Compose tags !reset and !override are allowed'
/** A list holding `total` values once its shared parts are expanded (as aliases would be), made of few nodes. */
const sized = (total: number, filler: unknown = 0): unknown[] => {
  if (total <= 10) return Array(total - 1).fill(filler)
  const part = Math.floor((total - 1) / 10)
  return [...Array(10).fill(sized(part, filler)), ...Array(total - 1 - 10 * part).fill(filler)]
}
const nest = (depth: number): unknown[] => {
  let v: unknown[] = []
  for (let i = 1; i < depth; i++) v = [v]
  return v
}

test('alias expansion: a value of exactly MAX_NODES values passes, one more is refused at that value', async () => {
  assert.equal(MAX_NODES, 200_000)
  const atLimit = await errorOf(() => checkShape({ a: { b: sized(MAX_NODES) } }, 'c.yaml', 'x-network.'))
  assert.deepEqual([atLimit.message, atLimit.hint, atLimit.place], [TOO_LARGE, ALIAS_HINT, { file: 'c.yaml', path: 'x-network.a' }], 'b holds 200000 values, a one more')
  const over = await errorOf(() => checkShape({ a: { b: sized(MAX_NODES + 1, null) } }, 'c.yaml', 'x-network.'))
  assert.deepEqual([over.message, over.hint, over.place], [TOO_LARGE, ALIAS_HINT, { file: 'c.yaml', path: 'x-network.a.b' }])
})

test('alias expansion: the whole document may hold MAX_NODES values; over that, the place is the document', async () => {
  assert.equal(checkShape({ a: sized(MAX_NODES - 1) }, 'n.yaml'), false)
  const over = await errorOf(() => checkShape({ a: sized(MAX_NODES) }, 'n.yaml'))
  assert.deepEqual([over.message, over.hint, over.place], [TOO_LARGE, ALIAS_HINT, { file: 'n.yaml', path: undefined }])
  const inCompose = await errorOf(() => checkShape({ a: sized(MAX_NODES) }, 'c.yaml', 'x-network.'))
  assert.deepEqual(inCompose.place, { file: 'c.yaml', path: 'x-network' })
})

test('alias expansion: a tagged value, a date and binary data each count as one value', async () => {
  const doc = (k: number) => ({ a: new TaggedValue('!override', sized(k)), d: new Date(0), b: Buffer.from('hi') })
  assert.equal(checkShape(doc(MAX_NODES - 4), 'n.yaml'), true)
  assert.equal((await errorOf(() => checkShape(doc(MAX_NODES - 3), 'n.yaml'))).message, TOO_LARGE)
})

/** `sized` as YAML: each shared part is written once with an anchor, then used through aliases. */
const yamlSized = (total: number, ids = { n: 0 }): string => {
  if (total <= 10) return `[${Array(total - 1).fill(0).join(', ')}]`
  const part = Math.floor((total - 1) / 10)
  const name = `p${ids.n++}`
  return `[&${name} ${yamlSized(part, ids)}${`, *${name}`.repeat(9)}${', 0'.repeat(total - 1 - 10 * part)}]`
}

test('alias expansion in a network file: aliases count each time they are used, up to the bound', async () => {
  const [ok, over] = files(`x-big: ${yamlSized(MAX_NODES - 1)}
`, `x-big: ${yamlSized(MAX_NODES)}
`)
  assert.equal(loadNetworkFile(ok).length, 1)
  const e = await errorOf(() => loadNetworkFile(over))
  assert.deepEqual([e.message, e.place], [TOO_LARGE, { file: over, path: undefined }])
})

test('nesting: MAX_DEPTH levels below the document pass, one more is refused naming the first five steps', async () => {
  assert.equal(MAX_DEPTH, 64)
  assert.equal(checkShape({ a: nest(MAX_DEPTH) }, 'f.yaml'), false)
  const e = await errorOf(() => checkShape({ a: nest(MAX_DEPTH + 1) }, 'f.yaml'))
  assert.deepEqual([e.message, e.hint, e.place], ['nesting too deep (more than 64 levels)', undefined, { file: 'f.yaml', path: 'a[0][0][0][0]...' }])
})

test('unknown tags: named with at most 100 characters, with a hint; verbatim and nested ones too', async () => {
  const tag = '!' + 'x'.repeat(150)
  const long = await errorOf(() => checkShape({ links: [{ bridge: new TaggedValue(tag, 's1') }] }, 'n.yaml'))
  assert.deepEqual([long.message, long.hint, long.place], [`unknown tag ${tag.slice(0, 100)}`, TAG_HINT, { file: 'n.yaml', path: 'links[0].bridge' }])
  for (const [text, message] of [
    ['links: [{service: a, bridge: !<foo> s1}]\n', 'unknown tag foo'],
    ['links: !override [{service: a, bridge: !custom s1}]\n', 'unknown tag !custom'],
  ]) {
    const [file] = files(text)
    const e = await errorOf(() => loadNetworkFile(file))
    assert.deepEqual([e.message, e.hint, e.place], [message, TAG_HINT, { file, path: 'links[0].bridge' }], text)
  }
})

test('checkShape says whether the document holds a tag, at any depth', () => {
  assert.equal(checkShape({ links: [{ service: 'a', route: ['x'] }] }, 'n.yaml'), false)
  assert.equal(checkShape({ links: [{ service: 'a', route: [new TaggedValue('!reset', null)] }] }, 'n.yaml'), true)
  assert.equal(checkShape({ links: new TaggedValue('!override', []) }, 'n.yaml'), true)
})

test('a cycle through a tagged value names the tag\'s place', async () => {
  const list: unknown[] = []
  list.push(new TaggedValue('!override', list))
  const e = await errorOf(() => checkShape({ a: list }, 'n.yaml'))
  assert.deepEqual([e.message, e.place], ['an alias refers to a value that contains it (a cycle)', { file: 'n.yaml', path: 'a[0]' }])
})

test('isOverride and isReset: only a TaggedValue with that very tag', () => {
  assert.equal(isOverride(new TaggedValue('!override', 1)), true)
  assert.equal(isOverride(new TaggedValue('!reset', 1)), false)
  assert.equal(isOverride({ tag: '!override', value: 1 }), false)
  assert.equal(isOverride(null), false)
  assert.equal(isReset(new TaggedValue('!reset', 1)), true)
  assert.equal(isReset(new TaggedValue('!override', 1)), false)
})

test('!reset on a bridge key drops the earlier file\'s value (bridges merge by name)', async () => {
  const { config } = await loadFiles(['bridges: [{bridge: s1, mode: linux}]\n', 'bridges: [{bridge: s1, mode: !reset null}]\n'], { defaultBridgeMode: 'patch' })
  assert.deepEqual(config.bridges.s1, { bridge: 's1', mode: 'patch', 'resolved-mode': 'patch' })
})

test('tags inside items: a !reset list element is dropped, !override X is X, a !reset key is dropped, a null section is fine', async () => {
  const { config } = await loadFiles([
    'links: [{service: a, bridge: s1, route: [!reset null, "10.0.0.0/8 via 10.0.0.1"]}]\ncommands: [{service: a, command: !override "echo hi", container: !reset c}]\ntunnels:\n',
  ])
  assert.deepEqual(config.services.a.links[0].route, ['10.0.0.0/8 via 10.0.0.1'])
  assert.deepEqual(config.services.a.commands.map((c) => [c.service, c.container, c.command]), [['a', undefined, 'echo hi']])
  assert.deepEqual(config.tunnels, [])
})

test('in a file with tags, list items that are not maps are reported as they are; a !reset item is dropped', async () => {
  for (const [item, message] of [
    ['"foo"', '"foo" must be object'],
    ['null', 'null must be object'],
  ]) {
    const [file] = files(`links: [${item}, {service: a, bridge: !override s1}]\n`)
    const e = await errorOf(() => loadNetworkConfig({ env: {}, probe: () => false, networkFiles: [file] }))
    assert.deepEqual([e.message, e.place], [message, { file, path: 'links[0]' }], item)
  }
  const { config } = await loadFiles(['links: [!reset null, {service: a, bridge: !override s1}]\n'])
  assert.deepEqual(config.services.a.links.map((l) => [l.bridge, l.origin.path]), [['s1', 'links[0]']])
})

test('a section tagged !override or !reset replaces what earlier files said; a tagged x- key is fine', async () => {
  const first = 'links: [{service: a, bridge: s1}]\n'
  const over = await loadFiles([first, 'links: !override [{service: b, bridge: s1}]\n'])
  assert.deepEqual(Object.keys(over.config.services), ['b'])
  const reset = await loadFiles([first, 'links: !reset [{service: b, bridge: s1}]\n'])
  assert.deepEqual(reset.config.services, {})
  const other = await loadFiles(['links: []\nx-note: !reset null\n'])
  assert.deepEqual(other.config.services, {})
})

test('a loaded document with tags has ordinary (writable, deletable) keys', () => {
  const [file] = files('links: !override []\n')
  const { doc } = loadNetworkFile(file)[0]
  assert.deepEqual(Object.getOwnPropertyDescriptor(doc, 'links'), { value: new TaggedValue('!override', []), enumerable: true, writable: true, configurable: true })
})

test('splitFileList: no values, no files', () => {
  assert.deepEqual(splitFileList(), [])
})

test('readYamlFile: several documents, only comments, and null', async () => {
  const [multi, comments, nul] = files('a: 1\n---\nb: 2\n', '# nothing here\n', 'null\n')
  const m = await errorOf(() => readYamlFile(multi))
  assert.deepEqual([m.message, m.place], ['not valid YAML: expected a single document in the stream, but found more', { file: multi }])
  for (const file of [comments, nul]) {
    const e = await errorOf(() => readYamlFile(file))
    assert.deepEqual([e.message, e.hint, e.place], ['file is empty', undefined, { file }], file)
  }
})

test('a JSON map is read as JSON (any depth), with or without leading white space; the same as YAML is too deep', async () => {
  const deep = `${'['.repeat(1100)}${']'.repeat(1100)}`
  const json = `{"k" : ["x", ":"], "n": null, "s": "v\\"", "deep": ${deep}}`
  for (const text of [json, ` \n ${json}`]) {
    const value = readYamlFile(writeTemp(`mb-${n++}.json`, text)) as Record<string, unknown>
    assert.deepEqual(Object.keys(value), ['k', 'n', 's', 'deep'])
  }
  for (const text of [`deep: ${deep}\n`, `[{"deep": ${deep}}]`]) {
    const yaml = await errorOf(() => readYamlFile(writeTemp(`mb-${n++}.yaml`, text)))
    assert.match(yaml.message, /^not valid YAML at line 1, column \d+: nesting exceeded maxDepth \(1000\)$/, 'only a map is taken for JSON')
  }
})

test('a parser that runs out of stack says the nesting is too deep, naming the file', () => {
  const [file] = files(`a: ${'['.repeat(20)}${']'.repeat(20)}\n`)
  const seen: unknown[] = []
  let loaded = false
  const down = (): void => {
    try {
      down()
    } catch (e) {
      if (!(e instanceof RangeError)) throw e
    }
    if (loaded) return
    try {
      readYamlFile(file)
      loaded = true
    } catch (e) {
      seen.push(e)
    }
  }
  down()
  const deep = seen.find((e) => isConlinkError(e) && e.message === 'nesting too deep to parse')
  assert.ok(isConlinkError(deep), 'one call ran out of stack inside the parser')
  assert.deepEqual(deep.place, { file })
  assert.ok(deep.cause instanceof RangeError)
})

test('compose files: the not-a-map error names only the file; x-network not a map has a hint', async () => {
  const [list, xlist] = files('- a\n', 'x-network: [1]\n')
  const e = await errorOf(() => loadComposeFile(list))
  assert.deepEqual([e.message, e.place], ['a compose file must be a map', { file: list }])
  const x = await errorOf(() => loadComposeFile(xlist))
  assert.deepEqual([x.message, x.hint, x.place], ['`x-network` must be a map', 'e.g. `x-network: {links: [{bridge: s1, ip: 10.0.0.1/24}]}`', { file: xlist, path: 'x-network' }])
})

test('compose files: a service\'s link that is not a map gets no service and is reported as it is', async () => {
  const [file] = files('services:\n  a:\n    x-network:\n      links: ["foo"]\n')
  const e = await errorOf(() => loadNetworkConfig({ env: {}, probe: () => false, composeFiles: [file] }))
  assert.deepEqual([e.message, e.place], ['"foo" must be object', { file, path: 'services.a.x-network.links[0]' }])
})

test('--config-schema is applied to the merged config, its errors in the order the keys were written', async () => {
  const limit = writeTemp(`mb-${n++}.json`, '{"properties": {"links": {"maxItems": 0}}}')
  const [file] = files('links: [{service: a, bridge: s1}]\n')
  const e = await errorOf(() => loadNetworkConfig({ env: {}, probe: () => false, networkFiles: [file], configSchema: limit }))
  assert.deepEqual([e.message, e.hint, e.place.path], [`must NOT have more than 0 items (schema ${limit} {"limit":0})`, 'the config does not match the --config-schema file', 'links'])
  const closed = writeTemp(`mb-${n++}.json`, '{"properties": {"links": {"items": {"properties": {"bridge": {}}, "additionalProperties": false}}}}')
  const [compose] = files('services:\n  a:\n    x-network:\n      links: [{dev: eth1, service: a, bridge: s1}]\n')
  const keys = await errorOf(() => loadNetworkConfig({ env: {}, probe: () => false, composeFiles: [compose], configSchema: closed }))
  assert.deepEqual([...keys.text.matchAll(/"additionalProperty":"(\w+)"/g)].map((m) => m[1]), ['dev', 'service'])
})

test('formatConfig: upstream\'s one line shows no bridge for a link without one, even beside a bridge named "undefined"', async () => {
  const { config } = await loadFiles(['bridges: [{bridge: "undefined"}]\nlinks: [{service: a, type: macvlan, outer-dev: eth0}]\n'])
  const up = formatConfig(config, 'upstream')
  assert.equal(up.split('\n').length, 1)
  assert.deepEqual(JSON.parse(up).services.a.links, [{ type: 'macvlan', service: 'a', dev: 'eth0', 'outer-dev': 'eth0', ethtool: [], base: 'host' }])
  assert.match(formatConfig(config), /^\{\n {2}"bridges": \{\n/)
})

test('configOptions: --config-schema is passed on', () => {
  assert.equal(configOptions({ 'config-schema': 's.json' }).configSchema, 's.json')
})

test('bridges named 1 and "1" are one bridge; a null link is reported as it is', async () => {
  const { config } = await loadFiles(['bridges: [{bridge: 1, mode: ovs}, {bridge: "1", mode: linux}]\n'])
  assert.deepEqual(config.bridges, { 1: { bridge: '1', mode: 'linux', 'resolved-mode': 'linux' } })
  const [file] = files('links: [null]\n')
  const e = await errorOf(() => loadNetworkConfig({ env: {}, probe: () => false, networkFiles: [file] }))
  assert.deepEqual([e.message, e.place], ['null must be object', { file, path: 'links[0]' }])
})

test('mergeByIdentity: a key removed by !reset has no origin left', () => {
  const [a, b] = [{ file: 'a', path: 'links[0]' }, { file: 'b', path: 'links[0]' }]
  const [merged] = mergeByIdentity([
    { value: { service: 's', mtu: 1 }, origin: a },
    { value: { service: 's', mtu: new TaggedValue('!reset', null) }, origin: b },
  ], (l) => String(l.service))
  assert.deepEqual(merged.value, { service: 's' })
  assert.deepEqual(merged.keyOrigins, { service: b })
})

test('a list key combined from two files, then replaced with !override, reports its elements at the third file', async () => {
  const link = (route: string) => `links: [{service: a, bridge: s1, route: ${route}}]\n`
  const paths = files(link('["10.1.0.0/16 via 10.0.0.1"]'), link('["10.2.0.0/16 via 10.0.0.1"]'), link('!override [7]'))
  const e = await errorOf(() => loadNetworkConfig({ env: {}, probe: () => false, networkFiles: paths }))
  assert.deepEqual([e.message, e.place], ['7 must be string', { file: paths[2], path: 'links[0].route[0]' }])
})

test('mergePieces: a section without a value adds nothing', () => {
  assert.deepEqual(mergePieces([{ file: 'f', prefix: '', doc: { links: undefined, tunnels: null } }]), { links: [], bridges: [], tunnels: [], commands: [], other: {} })
})
