// --config-schema FILE (upstream's option): the merged, interpolated config is also checked against the
// user's schema; each error names the file and path where the offending item was written.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConlinkError } from '../../src/errors.js'
import { validateAgainstSchemaFile } from '../../src/config/extra-schema.js'
import { loadSources } from '../../src/config/load.js'
import { mergePieces } from '../../src/config/merge.js'
import { interpolateMerged } from '../../src/config/interpolate.js'
import { writeTemp } from './config-helpers.js'

const NETWORK = writeTemp('extra-schema-net.yaml', 'links:\n  - {service: a, bridge: s1, ip: 10.0.0.1/24, route: [10.9.0.0/16 via 10.0.0.254]}\n  - {service: b, bridge: s1}\n')
const merged = () => interpolateMerged(mergePieces(loadSources([], [NETWORK])), {}).merged
const errors = (schema: string) => validateAgainstSchemaFile(merged(), writeTemp('extra-schema.yaml', schema))
const SCHEMA = writeTemp('extra-schema.yaml', '')
const places = (errs: ConlinkError[]) => errs.map((e) => `${e.place?.file}: ${e.place?.path}`)

test('a missing property: the message, the schema and its params, the place of the item, the hint', () => {
  const [e, ...more] = errors('type: object\nproperties:\n  links:\n    type: array\n    items: {type: object, required: [ip]}\n')
  assert.equal(more.length, 0)
  assert.equal(e.message, `must have required property 'ip' (schema ${SCHEMA} {"missingProperty":"ip"})`)
  assert.deepEqual(e.place, { file: NETWORK, path: 'links[1]' })
  assert.equal(e.hint, 'the config does not match the --config-schema file')
})

test('paths go into the item (names and list indexes); every error is reported; a config that matches has none', () => {
  const deep = errors('properties:\n  links:\n    items:\n      properties:\n        route: {items: {pattern: "^default"}}\n        bridge: {enum: [s2]}\n')
  assert.deepEqual(places(deep).sort(), [`${NETWORK}: links[0].bridge`, `${NETWORK}: links[0].route[0]`, `${NETWORK}: links[1].bridge`])
  assert.deepEqual(errors('properties:\n  links: {type: array, minItems: 2}\n'), [])
})

test('outside the sections: the top level, or the path of the pointer; no params, no braces', () => {
  const [top] = errors('required: [nothing-here]\n')
  assert.deepEqual(top.place, { file: '', path: '(top level)' })
  const [falsy] = errors('properties:\n  links: false\n')
  assert.equal(falsy.message, `boolean schema is false (schema ${SCHEMA})`)
  assert.deepEqual(falsy.place, { file: '', path: 'links' })
})

test('formats: ajv-formats ones are checked, conlink\'s own (cidr, ifname) are left to conlink\'s schema', () => {
  assert.deepEqual(places(errors('properties:\n  links:\n    items:\n      properties:\n        ip: {format: ipv4}\n')), [`${NETWORK}: links[0].ip`])
  assert.deepEqual(errors('properties:\n  links:\n    items:\n      properties:\n        ip: {format: cidr}\n        bridge: {format: ifname}\n'), [])
})

test('a schema ajv cannot compile: an error naming the schema file, with a hint', () => {
  const schema = writeTemp('extra-schema-broken.yaml', 'type: 12\n')
  assert.throws(() => validateAgainstSchemaFile(merged(), schema), (e: unknown) => {
    assert.ok(e instanceof ConlinkError)
    assert.match(e.message, /^not a usable JSON Schema: /)
    assert.deepEqual(e.place, { file: schema })
    assert.equal(e.hint, 'check the --config-schema file')
    return true
  })
})
