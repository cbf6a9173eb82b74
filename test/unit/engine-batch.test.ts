import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Batcher } from '../../src/engine/batch.js'

test('a lone item is flushed at once: no fixed window', async () => {
  const batches: number[][] = []
  const b = new Batcher<number, number>(async (items) => (batches.push(items), items.map((i) => i * 2)))
  let late = false
  const timer = setTimeout(() => (late = true), 1)
  assert.equal(await b.add(1), 2)
  clearTimeout(timer)
  assert.equal(late, false, 'resolved before a 1 ms timer fired')
  assert.deepEqual(batches, [[1]])
})

test('items that arrive together share one batch; items arriving while batches run wait and go together', async () => {
  const batches: number[][] = []
  let release: () => void = () => {}
  const b = new Batcher<number, number>(async (items) => {
    batches.push(items)
    if (items[0] === 1) await new Promise<void>((r) => (release = r))
    return items
  }, 1)
  const first = [1, 2, 3].map((i) => b.add(i))
  while (batches.length === 0) await sleep(1)
  const second = [4, 5].map((i) => b.add(i))
  await sleep(5)
  assert.deepEqual(JSON.stringify(batches), '[[1,2,3]]', 'the second group waits for the batch in flight')
  release()
  assert.deepEqual(await Promise.all([...first, ...second]), [1, 2, 3, 4, 5])
  assert.deepEqual(batches, [[1, 2, 3], [4, 5]])
})

test('a failed batch rejects its own items only', async () => {
  const b = new Batcher<number, number>(async (items) => {
    if (items.includes(0)) throw new Error('boom')
    return items
  })
  await assert.rejects(b.add(0), /boom/)
  assert.equal(await b.add(7), 7)
})
