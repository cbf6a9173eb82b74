import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadComposeFile, loadNetworkFile, loadSources, splitFileList, readYamlFile } from '../../src/config/load.js'
import { ConlinkError } from '../../src/errors.js'
import { writeTemp } from './config-helpers.js'

function throwsConlink(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConlinkError)
    for (const p of parts) assert.ok(e.describe().includes(p), `expected "${p}" in ${e.describe()}`)
    return true
  })
}

test('network file: YAML and JSON', () => {
  const y = writeTemp('a.yaml', 'links:\n  - {service: a, bridge: s1}\n')
  const j = writeTemp('a.json', '{"links": [{"service": "a", "bridge": "s1"}]}')
  assert.deepEqual(loadNetworkFile(y), [{ file: y, prefix: '', doc: { links: [{ service: 'a', bridge: 's1' }] } }])
  assert.deepEqual(loadNetworkFile(j)[0].doc, { links: [{ service: 'a', bridge: 's1' }] })
})

test('compose file: top-level x-network then services in file order; service defaults', () => {
  const f = writeTemp(
    'c.yaml',
    `x-network:
  bridges: [{bridge: s1, mode: linux}]
services:
  b:
    image: x
    x-network:
      links: [{bridge: s1}, {container: other, bridge: s1}]
      commands: [{command: "true"}]
  a:
    image: x
  c:
    x-network: {links: [{service: z, bridge: s1}]}
`,
  )
  const pieces = loadComposeFile(f)
  assert.deepEqual(
    pieces.map((p) => p.prefix),
    ['x-network.', 'services.b.x-network.', 'services.c.x-network.'],
  )
  assert.deepEqual(pieces[1].doc.links, [{ service: 'b', bridge: 's1' }, { container: 'other', bridge: 's1' }])
  assert.deepEqual(pieces[1].doc.commands, [{ service: 'b', command: 'true' }])
  assert.deepEqual(pieces[2].doc.links, [{ service: 'z', bridge: 's1' }])
})

test('compose file: YAML merge keys (<<) work', () => {
  const f = writeTemp('m.yaml', 'x-base: &b {image: x, x-network: {links: [{bridge: s1}]}}\nservices:\n  n:\n    <<: *b\n')
  assert.deepEqual(loadComposeFile(f)[0].doc.links, [{ service: 'n', bridge: 's1' }])
})

test('colon-separated lists, compose files before network files', () => {
  const c1 = writeTemp('c1.yaml', 'x-network: {links: [{service: a, bridge: s1}]}\n')
  const c2 = writeTemp('c2.yaml', 'x-network: {links: [{service: b, bridge: s1}]}\n')
  const n1 = writeTemp('n1.yaml', 'links: [{service: c, bridge: s1}]\n')
  assert.deepEqual(splitFileList([`${c1}:${c2}`, 'x', '']), [c1, c2, 'x'])
  const files = loadSources([`${c1}:${c2}`], [n1]).map((p) => p.file)
  assert.deepEqual(files, [c1, c2, n1])
})

test('errors: missing file, empty file, not YAML (line/col), x-network not a map, network file not a map', () => {
  throwsConlink(() => readYamlFile('/nonexistent/h1-nope.yaml'), '/nonexistent/h1-nope.yaml', 'does not exist')
  const empty = writeTemp('empty.yaml', '  \n')
  throwsConlink(() => loadNetworkFile(empty), empty, 'file is empty')
  const comment = writeTemp('comment.yaml', '# nothing\n')
  throwsConlink(() => loadNetworkFile(comment), comment, 'file is empty')
  const bad = writeTemp('bad.yaml', 'services:\n  a:\n    image: [x\n  b: {\n')
  throwsConlink(() => loadComposeFile(bad), bad, 'not valid YAML at line')
  const notMap = writeTemp('xnm.yaml', 'x-network: [1, 2]\n')
  throwsConlink(() => loadComposeFile(notMap), notMap, 'x-network', 'must be a map')
  const svcNotMap = writeTemp('sxnm.yaml', 'services:\n  a:\n    x-network: hello\n')
  throwsConlink(() => loadComposeFile(svcNotMap), svcNotMap, 'services.a.x-network', 'must be a map')
  const list = writeTemp('list.yaml', '- a\n- b\n')
  throwsConlink(() => loadNetworkFile(list), list, 'must be a map')
})
