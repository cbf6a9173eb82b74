import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { processRunner, type Runner } from '../../src/exec.js'
import { JobRunner, helperPath, runJob } from '../../src/net/spawner.js'

test('the job helper answers every lone job promptly (no lost child status)', async () => {
  for (let i = 0; i < 200; i++) {
    const started = performance.now()
    const r = await runJob(['true'])
    assert.equal(r.exitCode, 0)
    assert.ok(performance.now() - started < 1000, `job ${i} took ${performance.now() - started} ms`)
    await sleep(i % 3)
  }
})

test('the job helper keeps input, output and exit codes apart under concurrency', async () => {
  const jobs = Array.from({ length: 400 }, async (_, i) => {
    const input = `line ${i}\n`.repeat(1 + (i % 7))
    const r = await runJob(['cat'], input)
    assert.equal(r.stdout, input.replace(/\n$/, ''))
    const fail = await runJob(['sh', '-c', `exit ${i % 5}`])
    assert.equal(fail.exitCode, i % 5)
  })
  await Promise.all(jobs)
})

test('arguments reach the program as data, one each', async () => {
  const args = ['a b', '$(touch /tmp/x)', "'; echo", '\\n', 'ünï']
  const r = await runJob(['printf', '%s\\n', ...args])
  assert.deepEqual(r.stdout.split('\n'), args)
})

test('a job past its timeout is killed with the processes it started, and reported as timed out', async () => {
  const runner = new JobRunner()
  const started = performance.now()
  const r = await runner.run(['sh', '-c', 'sleep 30 & sleep 30; echo never'], { allowFailure: true, timeoutMs: 200 })
  assert.equal(r.exitCode, 124)
  assert.match(r.problem ?? '', /timed out after 200 ms/)
  assert.ok(performance.now() - started < 3000, `took ${performance.now() - started} ms`)
  assert.equal((await runner.run(['true'])).exitCode, 0)
})

test('a helper that dies mid-job: the job is reported with an unknown outcome and never run again', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'conlink-once-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const ran = join(dir, 'ran')
  const fallbackRuns: string[][] = []
  const fallback: Runner = { run: async (argv, opts) => (fallbackRuns.push([...argv]), processRunner.run(argv, opts)) }
  const runner = new JobRunner(helperPath() ?? null, fallback)
  assert.equal((await runner.run(['true'])).exitCode, 0)
  // the job records that it ran, then takes long enough for the helper to be killed under it
  const job = runner.run(['sh', '-c', `echo x >> ${ran}; sleep 2`], { allowFailure: true })
  while (!existsSync(ran)) await sleep(5)
  runner.kill()
  const r = await job
  assert.equal(r.exitCode, 125)
  assert.match(r.problem ?? '', /outcome unknown.*not run again/)
  assert.deepEqual(fallbackRuns, [], 'the job was not handed to the fallback')
  assert.equal(readFileSync(ran, 'utf8'), 'x\n')
  await assert.rejects(runner.run(['sh', '-c', 'exit 3']), /exit 3: exit code 3/)
  // jobs after the helper's death run through the fallback, once each
  assert.equal((await runner.run(['echo', 'later'])).stdout, 'later')
  assert.deepEqual(fallbackRuns.at(-1), ['echo', 'later'])
})

test('without the helper program every job goes to the fallback runner', async () => {
  const seen: string[][] = []
  const runner = new JobRunner(null, { run: async (argv) => (seen.push([...argv]), { stdout: 'fake', stderr: '', exitCode: 0 }) })
  assert.equal((await runner.run(['ip', 'link'], { netns: '/proc/1/ns/net' })).stdout, 'fake')
  assert.deepEqual(seen, [['ip', 'link']])
})

test('the helper program ships as its own file (the image copies src/net/job-helper.pl)', () => {
  const path = helperPath()
  assert.ok(path?.endsWith('src/net/job-helper.pl'))
  const build = readFileSync(join(dirname(path!), '../../scripts/build-image.sh'), 'utf8')
  assert.match(build, /APP_FILES=\([^)]*src\/net\/job-helper\.pl/)
  assert.match(readFileSync(join(dirname(path!), '../../Dockerfile'), 'utf8'), /COPY src\/net\/job-helper\.pl /)
})
