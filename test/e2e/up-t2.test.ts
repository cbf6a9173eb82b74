// T2: config in separate network files, replicas of `node` (10.0.1.1, .2, ...),
// and scaling up while running. The dummy interface 8.8.8.8 of `internet` is
// left out (TEST2_DUMMY=) on kernels without the dummy link type.
import assert from 'node:assert/strict'
import { after, before, describe } from 'node:test'
import { ComposeProject, itLogs, kernel, missingPrerequisite, withLogs } from './compose.js'

const skip = await missingPrerequisite()
const dummy = !skip && (await kernel()).dummy

describe('conlink up: T2 network file and scaling', { skip }, () => {
  const p = new ComposeProject('h6t2', 'test2-compose.yaml', dummy ? {} : { TEST2_DUMMY: '' })
  before(() => withLogs(() => p.logs(), () => p.up()))
  after(() => p.down())

  itLogs(p, 'node 1 pings node 2', () => p.ping('node', '10.0.1.2', 1))

  itLogs(p, 'nodes ping 8.8.8.8 on the dummy interface of internet', async (t) => {
    if (!dummy) return t.skip('this kernel lacks the dummy link type, so the dummy part of T2 was left out (TEST2_DUMMY=)')
    await Promise.all([p.ping('node', '8.8.8.8', 1), p.ping('node', '8.8.8.8', 2)])
  })

  itLogs(p, 'after `up -d --scale node=5` node 2 pings 10.0.1.5', async () => {
    await p.compose(['up', '-d', '--scale', 'node=5'])
    await p.ping('node', '10.0.1.5', 2)
    const addr = (await p.exec('node', ['ip', '-o', '-4', 'addr', 'show', 'eth0'], 5)).stdout
    assert.match(addr, /inet 10\.0\.1\.5\/16/)
  })
})
