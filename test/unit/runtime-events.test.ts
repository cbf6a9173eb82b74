import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { JsonObjectSplitter, normalizeEvent } from '../../src/runtime/events.js'

const ID = '3bb8aad6981f5a055a00a8ae3a29b96bb839c07108d40ad96ddab4e94b7f4f1a'
// Captured from Docker 20.10 (API 1.41): both the old and the new keys.
const DOCKER_DIE = `{"status":"die","id":"${ID}","from":"conlink-test-node","Type":"container","Action":"die","Actor":{"ID":"${ID}","Attributes":{"exitCode":"137","image":"conlink-test-node","name":"h5-evt"}},"scope":"local","time":1795806011,"timeNano":1795806011934127654}`
// Captured from Podman 4.3.1's compat API.
const PODMAN_START = `{"status":"start","id":"${ID}","from":"localhost/conlink-test-node:latest","Type":"container","Action":"start","Actor":{"ID":"${ID}","Attributes":{"containerExitCode":"0","image":"localhost/conlink-test-node:latest","name":"h5-evt","podId":""}},"scope":"local","time":1795806010,"timeNano":1795806010885646447}`

describe('normalizeEvent', () => {
  it('reads the newer Action/Actor.ID format', () => {
    assert.deepEqual(normalizeEvent({ Type: 'container', Action: 'start', Actor: { ID: 'abc' } }), { action: 'start', id: 'abc' })
  })
  it('reads the older status/id format', () => {
    assert.deepEqual(normalizeEvent({ status: 'die', id: 'abc' }), { action: 'die', id: 'abc' })
  })
  it("maps Podman's died to die", () => {
    assert.deepEqual(normalizeEvent({ Type: 'container', Action: 'died', Actor: { ID: 'x' } }), { action: 'die', id: 'x' })
  })
  it('reads captured Docker and Podman events', () => {
    const docker = { exitCode: '137', image: 'conlink-test-node', name: 'h5-evt' }
    assert.deepEqual(normalizeEvent(JSON.parse(DOCKER_DIE)), { action: 'die', id: ID, attributes: docker })
    const podman = { containerExitCode: '0', image: 'localhost/conlink-test-node:latest', name: 'h5-evt', podId: '' }
    assert.deepEqual(normalizeEvent(JSON.parse(PODMAN_START)), { action: 'start', id: ID, attributes: podman })
  })
  it('keeps attributes only when they are a map of strings', () => {
    for (const Attributes of [['a'], { name: 1 }, 'x', null])
      assert.deepEqual(normalizeEvent({ Action: 'start', Actor: { ID: 'x', Attributes } }), { action: 'start', id: 'x' })
  })
  it('ignores other actions, other types and junk', () => {
    assert.equal(normalizeEvent({ Type: 'container', Action: 'kill', Actor: { ID: 'x' } }), undefined)
    assert.equal(normalizeEvent({ Type: 'image', Action: 'start', Actor: { ID: 'x' } }), undefined)
    assert.equal(normalizeEvent({ Action: 'start' }), undefined)
    assert.equal(normalizeEvent(null), undefined)
    assert.equal(normalizeEvent('start'), undefined)
  })
})

describe('JsonObjectSplitter', () => {
  const collect = () => {
    const values: unknown[] = []
    const bad: string[] = []
    const splitter = new JsonObjectSplitter((v) => values.push(v), (text) => bad.push(text))
    return { values, bad, splitter }
  }

  it('handles objects split across chunks at every position', () => {
    const text = `${DOCKER_DIE}\n${PODMAN_START}\n`
    for (let cut = 1; cut < text.length; cut += 7) {
      const { values, splitter } = collect()
      splitter.push(text.slice(0, cut))
      splitter.push(text.slice(cut))
      assert.equal(values.length, 2, `cut at ${cut}`)
    }
  })

  it('handles several objects in one chunk, with or without newlines', () => {
    const { values, splitter } = collect()
    splitter.push('{"a":1}{"b":"}{"}\n{"c":{"d":[1,{"e":2}]}}\r\n  ')
    assert.deepEqual(values, [{ a: 1 }, { b: '}{' }, { c: { d: [1, { e: 2 }] } }])
  })

  it('handles escaped quotes and a multibyte character split across Buffers', () => {
    const { values, splitter } = collect()
    const bytes = Buffer.from('{"name":"a\\"}é"}')
    const at = bytes.indexOf(0xc3) + 1 // inside the two-byte é
    splitter.push(bytes.subarray(0, at))
    splitter.push(bytes.subarray(at))
    assert.deepEqual(values, [{ name: 'a"}é' }])
  })

  it('reports bad JSON and goes on', () => {
    const { values, bad, splitter } = collect()
    splitter.push('{nope}\n{"ok":true}')
    assert.deepEqual(bad, ['{nope}'])
    assert.deepEqual(values, [{ ok: true }])
  })
})
