// While conlink up runs, log lines are written once per turn of the event loop, in order across stdout and stderr.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { log, setLogBatching } from '../../src/log.js'

function capture(): { writes: string[]; restore: () => void } {
  const writes: string[] = []
  const [out, err] = [process.stdout.write, process.stderr.write]
  // the test runner's own messages (binary, on stdout) are let through
  const record = (name: string, write: typeof out, stream: NodeJS.WriteStream) => ((chunk: string | Uint8Array, ...rest: unknown[]) =>
    typeof chunk === 'string' && /^[\x20-\x7e\n]*$/.test(chunk) ? writes.push(`${name}:${chunk}`) > 0 : (write as (...a: unknown[]) => boolean).call(stream, chunk, ...rest)) as typeof out
  process.stdout.write = record('out', out, process.stdout)
  process.stderr.write = record('err', err, process.stderr)
  return { writes, restore: () => ([process.stdout.write, process.stderr.write] = [out, err]) }
}

test('batched lines are written together at the end of the turn, in the order logged', async () => {
  const { writes, restore } = capture()
  try {
    setLogBatching(true)
    log.info('a')
    log.info('b')
    log.warn('w')
    log.info('c')
    assert.deepEqual(writes, [], 'nothing written within the turn')
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(writes, ['out:a\nb\n', 'err:WARNING: w\n', 'out:c\n'])
    log.error('e')
    setLogBatching(false)
    assert.deepEqual(writes.at(-1), 'err:ERROR: e\n', 'ending batching writes what is pending')
    log.info('now')
    assert.deepEqual(writes.at(-1), 'out:now\n', 'without batching a line is written at once')
  } finally {
    setLogBatching(false)
    restore()
  }
})

test('pending lines are written when the process exits', async () => {
  const { writes, restore } = capture()
  try {
    setLogBatching(true)
    log.info('last words')
    process.emit('exit', 0)
    assert.deepEqual(writes, ['out:last words\n'])
  } finally {
    setLogBatching(false)
    restore()
  }
})
