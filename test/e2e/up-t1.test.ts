// T1 (routed): r0 joins s1, s2 and s3; h1/h2/h3 route through it. Also the
// fault of a second `conlink up` for the same bridges in the same network
// container: it must refuse to start and leave the first one working.
import assert from 'node:assert/strict'
import { after, before, describe } from 'node:test'
import { ComposeProject, dockerExec, itLogs, missingPrerequisite, withLogs } from './compose.js'

const skip = await missingPrerequisite()

describe('conlink up: T1 routed', { skip }, () => {
  const p = new ComposeProject('h6t1', 'test1-compose.yaml')
  before(() => withLogs(() => p.logs(), () => p.up()))
  after(() => p.down())

  itLogs(p, 'h1 pings h3 through r0', () => p.ping('h1', '10.0.0.100'))
  itLogs(p, 'h2 pings h1 through r0', () => p.ping('h2', '192.168.1.100'))

  itLogs(p, 'a second `conlink up` for the same bridges refuses to start; the first keeps working', async () => {
    const network = await p.id('network')
    const linksBefore = (await p.networkLinks()).sort()
    const second = await dockerExec(network, ['conlink', 'up', '--inside', '--compose-file', '/test/test1-compose.yaml'])
    assert.notEqual(second.exitCode, 0, second.stdout + second.stderr)
    assert.match(second.stderr, /bridges? s1\b.* already exists?/)
    assert.deepEqual((await p.networkLinks()).sort(), linksBefore)
    await p.ping('h1', '10.0.0.100')
  })
})
