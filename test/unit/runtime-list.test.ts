// listRunning with an earlier listing: only containers new (or restarted) since are inspected.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type Docker from 'dockerode'
import { EngineClient } from '../../src/runtime/client.js'

function fakeDocker(running: Array<{ id: string; pid: number }>, inspected: string[]): Docker {
  return {
    listContainers: async () => running.map((c) => ({ Id: c.id, Names: [`/${c.id}`], Labels: {} })),
    getContainer: (id: string) => ({
      inspect: async () => {
        inspected.push(id)
        const c = running.find((r) => r.id === id)!
        return { Id: id, Name: `/${id}`, State: { Running: true, Pid: c.pid }, Config: { Labels: {} } }
      },
    }),
  } as unknown as Docker
}

test('a prelisted container whose process lives is not inspected again; a new or restarted one is', async () => {
  const inspected: string[] = []
  const running = [{ id: 'a', pid: 10 }, { id: 'b', pid: 20 }]
  const client = new EngineClient('docker', '/fake.sock', fakeDocker(running, inspected))
  const first = await client.listRunning()
  assert.deepEqual(inspected.sort(), ['a', 'b'])
  inspected.length = 0
  running[1].pid = 21 // b restarted: its old process is gone
  running.push({ id: 'c', pid: 30 }) // c started meanwhile
  const known = new Map(first.map((i) => [i.id, i]))
  const again = await client.listRunning(known, (pid) => pid === 10)
  assert.deepEqual(inspected.sort(), ['b', 'c'])
  assert.deepEqual(again.map((i) => [i.id, i.pid]).sort(), [['a', 10], ['b', 21], ['c', 30]])
})
