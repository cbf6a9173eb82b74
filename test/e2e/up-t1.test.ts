// T1 (routed): r0 joins s1, s2 and s3; h1/h2/h3 route through it.
import { after, before, describe } from 'node:test'
import { ComposeProject, itLogs, missingPrerequisite, withLogs } from './compose.js'

const skip = await missingPrerequisite()

describe('conlink up: T1 routed', { skip }, () => {
  const p = new ComposeProject('h6t1', 'test1-compose.yaml')
  before(() => withLogs(() => p.logs(), () => p.up()))
  after(() => p.down())

  itLogs(p, 'h1 pings h3 through r0', () => p.ping('h1', '10.0.0.100'))
  itLogs(p, 'h2 pings h1 through r0', () => p.ping('h2', '192.168.1.100'))
})
