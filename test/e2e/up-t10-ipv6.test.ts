// T10 over IPv6: a client on the network container's dual-stack Docker
// network reaches a node's port 80 through a forward, over IPv6 and IPv4.
import assert from 'node:assert/strict'
import { after, before, describe } from 'node:test'
import { ComposeProject, itLogs, missingPrerequisite, waitUntil, withLogs } from './compose.js'

const skip = await missingPrerequisite()

describe('conlink up: T10 forwards over IPv6', { skip }, () => {
  const p = new ComposeProject('h17t10v6', 'test10-ipv6-compose.yaml')
  before(() => withLogs(() => p.logs(), () => p.up()))
  after(() => p.down())

  async function fetchFromClient(url: string): Promise<string> {
    let last = ''
    try {
      return await waitUntil(url, 15_000, async () => {
        const r = await p.exec('client', ['timeout', '3', 'wget', '-qO-', url]) // busybox wget -T crashes
        last = r.stderr
        return r.exitCode === 0 && r.stdout
      }, 250)
    } catch (err) {
      throw new Error(`${(err as Error).message} (last: ${last})`)
    }
  }

  const hello = async () => `hello from ${(await p.id('web')).slice(0, 12)}`

  itLogs(p, 'the client reaches web:80 through [fd00:17:1::10]:1080', async () => {
    assert.equal(await fetchFromClient('http://[fd00:17:1::10]:1080/'), await hello())
  })
  itLogs(p, 'and through 10.217.17.10:1080', async () => {
    assert.equal(await fetchFromClient('http://10.217.17.10:1080/'), await hello())
  })
  itLogs(p, 'the network container kept its IPv6 address when eth0 became DOCKER-ETH0', async () => {
    const logs = await p.logs()
    assert.match(logs, /Renaming eth0 to DOCKER-ETH0 \(keeping \d+ routes and 1 IPv6 addresses\)/)
    assert.doesNotMatch(logs, /IPv4-only/)
  })
})
