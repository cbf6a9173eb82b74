// listRunning: one list call, inspects for the pids, and each container handed on as soon as it is inspected.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type Docker from 'dockerode'
import type { ContainerInfo } from '../../src/config/types.js'
import { EngineClient } from '../../src/runtime/client.js'

test('each running container reaches onEach when its inspect answers, before the whole listing; one gone meanwhile does not', async () => {
  const answers = new Map<string, () => void>()
  const docker = {
    listContainers: async () => ['a', 'b', 'gone'].map((id) => ({ Id: id, Names: [`/${id}`], Labels: {} })),
    getContainer: (id: string) => ({
      inspect: () => new Promise((resolve) => answers.set(id, () => resolve(
        { Id: id, Name: `/${id}`, State: { Running: id !== 'gone', Pid: id === 'gone' ? 0 : id.charCodeAt(0) }, Config: { Labels: {} } }))),
    }),
  } as unknown as Docker
  const seen: string[] = []
  const listing = new EngineClient('docker', '/fake.sock', docker).listRunning((info: ContainerInfo) => seen.push(`${info.name}/${info.pid}`))
  while (answers.size < 3) await new Promise((r) => setImmediate(r))
  answers.get('b')!()
  await new Promise((r) => setImmediate(r))
  assert.deepEqual(seen, ['b/98'], 'b is handed on while a is still being inspected')
  answers.get('gone')!()
  answers.get('a')!()
  const all = await listing
  assert.deepEqual(seen, ['b/98', 'a/97'])
  assert.deepEqual(all.map((i) => i.name), ['a', 'b'])
})
