import assert from 'node:assert/strict'
import { test } from 'node:test'
import { KeyedQueue } from '../../src/engine/queue.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

test('work for one key runs in order, even after a failure', async () => {
  const queue = new KeyedQueue(4)
  const order: string[] = []
  const start = queue.push('a', async () => {
    await sleep(20)
    order.push('start')
    throw new Error('boom')
  })
  const die = queue.push('a', async () => {
    order.push('die')
  })
  await assert.rejects(start, /boom/)
  await die
  assert.deepEqual(order, ['start', 'die'])
})

test('different keys run in parallel up to the limit', async () => {
  const queue = new KeyedQueue(2)
  let running = 0
  let peak = 0
  const task = async () => {
    running++
    peak = Math.max(peak, running)
    await sleep(10)
    running--
  }
  await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => queue.push(k, task)))
  assert.equal(peak, 2)
  assert.equal(queue.busy, false)
})
