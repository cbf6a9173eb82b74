import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { announcedInfo } from '../../src/runtime/client.js'
import { toContainerInfo } from '../../src/runtime/labels.js'
import { mapLimit } from '../../src/runtime/limit.js'

describe('announcedInfo', () => {
  const event = { action: 'start' as const, id: 'id1', attributes: { name: 'proj-node-2', image: 'x', 'com.docker.compose.service': 'node' } }
  it("takes a Docker start event's name and labels, without a pid", () => {
    assert.deepEqual(announcedInfo('docker', 'id1', event), { id: 'id1', name: 'proj-node-2', pid: 0, index: 1, service: 'node' })
  })
  it('takes nothing from Podman events or events without a name', () => {
    assert.equal(announcedInfo('podman', 'id1', event), undefined)
    assert.equal(announcedInfo('docker', 'id1', { action: 'start', id: 'id1' }), undefined)
  })
})

describe('toContainerInfo', () => {
  it('reads compose labels and strips the leading slash', () => {
    const info = toContainerInfo('id1', '/proj_node_2', 42, {
      'com.docker.compose.project': 'proj',
      'com.docker.compose.service': 'node',
      'com.docker.compose.project.working_dir': '/src/proj',
      'com.docker.compose.container-number': '2',
    })
    assert.deepEqual(info, { id: 'id1', name: 'proj_node_2', pid: 42, index: 2, project: 'proj', service: 'node', workingDir: '/src/proj' })
  })

  it('gives index 1 and no compose fields without labels', () => {
    assert.deepEqual(toContainerInfo('id2', 'plain', 7, null), { id: 'id2', name: 'plain', pid: 7, index: 1 })
    assert.equal(toContainerInfo('id3', 'x', 7, { 'com.docker.compose.container-number': 'junk' }).index, 1)
  })

  it('never derives the service from the name', () => {
    assert.equal(toContainerInfo('id4', 'proj-node-3', 7, {}).service, undefined)
  })

  it('falls back to io.podman.compose labels', () => {
    const info = toContainerInfo('id5', 'p_s_1', 7, { 'io.podman.compose.project': 'p', 'io.podman.compose.service': 's' })
    assert.equal(info.project, 'p')
    assert.equal(info.service, 's')
  })
})

describe('mapLimit', () => {
  it('keeps order and never exceeds the limit', async () => {
    let inFlight = 0
    let peak = 0
    const out = await mapLimit([...Array(40).keys()], 5, async (n) => {
      peak = Math.max(peak, ++inFlight)
      await new Promise((r) => setTimeout(r, (n * 7) % 5))
      inFlight--
      return n * 2
    })
    assert.deepEqual(out, [...Array(40).keys()].map((n) => n * 2))
    assert.ok(peak <= 5)
  })
})
