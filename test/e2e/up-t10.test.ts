// T10: port forwards from the host through the network container's published
// ports, replica offsets of forwarded ports, and a router between s1 and s2.
import assert from 'node:assert/strict'
import { after, before, describe } from 'node:test'
import { ComposeProject, itLogs, missingPrerequisite, waitUntil, withLogs } from './compose.js'

const skip = await missingPrerequisite()

/** GET a page from the host (loopback only), retrying while the forward is being set up. */
async function fetchPage(port: number): Promise<string> {
  let last = ''
  try {
    return await waitUntil(`http://127.0.0.1:${port}/`, 15_000, async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) })
        if (res.ok) return await res.text()
        last = `HTTP ${res.status}`
      } catch (err) {
        last = String((err as Error & { cause?: Error }).cause ?? err)
      }
      return undefined
    }, 250)
  } catch (err) {
    throw new Error(`${(err as Error).message} (last: ${last})`)
  }
}

describe('conlink up: T10 port forwards and routing', { skip }, () => {
  const p = new ComposeProject('h6t10', 'test10-compose.yaml')
  before(() => withLogs(() => p.logs(), () => p.up()))
  after(() => p.down())

  // The page is "hello from <hostname>", and a container's hostname is its short id.
  const hello = async (service: string, index = 1) => `hello from ${(await p.id(service, index)).slice(0, 12)}\n`

  for (const [hostPort, port] of [[3080, 1080], [8080, 1180]]) {
    itLogs(p, `host port ${hostPort} -> ${port} reaches node1:80`, async () => {
      assert.equal(await fetchPage(hostPort), await hello('node1'))
    })
  }
  for (const [hostPort, index] of [[8081, 1], [8082, 2]]) {
    itLogs(p, `host port ${hostPort} reaches node2 replica ${index} (port 80 + ${index - 1})`, async () => {
      assert.equal(await fetchPage(hostPort), await hello('node2', index))
    })
  }

  itLogs(p, 'node1 pings both node2 replicas through the router', async () => {
    await Promise.all([p.ping('node1', '10.2.0.100'), p.ping('node1', '10.2.0.101')])
    assert.match((await p.exec('node1', ['wget', '-qO-', 'http://10.2.0.101/'])).stdout, /hello from/)
  })
})
