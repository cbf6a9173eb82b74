// net2dot as a user runs it: the built CLI (stdin, --format, -o).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { ROOT, ensureBuilt, runProgram } from './tools-cli.js'

const tmp = mkdtempSync(join(tmpdir(), 'gaps-net2dot-'))
before(() => ensureBuilt())
after(() => rmSync(tmp, { recursive: true, force: true }))
const conlinkArgv = (...args: string[]) => [process.execPath, join(ROOT, 'bin/conlink.js'), ...args]
const env = { ...process.env, CONLINK_BRIDGE_MODE: 'linux' }

async function pipeInto(args: string[], input: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/conlink.js'), ...args], { cwd: ROOT, env })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d) => (stdout += d))
    p.stderr.on('data', (d) => (stderr += d))
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
    p.stdin.end(input)
  })
}

test('net2dot CLI: config JSON on stdin gives the same DOT as loading the files', async () => {
  const config = await runProgram(conlinkArgv('config', '--compose-file', 'examples/test1-compose.yaml'), { env })
  assert.equal(config.code, 0, config.stderr)
  const piped = await pipeInto(['net2dot'], config.stdout)
  assert.equal(piped.code, 0, piped.stderr)
  const direct = await runProgram(conlinkArgv('net2dot', '--compose-file', 'examples/test1-compose.yaml'), { env })
  assert.equal(direct.code, 0, direct.stderr)
  assert.equal(piped.stdout, direct.stdout)
  assert.match(piped.stdout, /^graph "conlink" \{\n/)
  for (const s of ['s1', 's2', 's3']) assert.match(piped.stdout, new RegExp(`subgraph "cluster_bridge/${s}"`))
  assert.match(piped.stdout, /"outer\/r0_1-eth-s1" \[label="r0_1-eth-s1"\]/)
})

test('net2dot CLI: --format svg and -o FILE', async () => {
  const out = join(tmp, 'net.svg')
  const r = await runProgram(conlinkArgv('net2dot', '--compose-file', 'examples/test1-compose.yaml', '--format', 'svg', '-o', out), { env })
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout, '', 'nothing on stdout with -o')
  const svg = readFileSync(out, 'utf8')
  assert.match(svg, /^<\?xml /)
  assert.match(svg, /<svg /)
  assert.match(svg, /bridge s1/)
  const dot = join(tmp, 'net.dot')
  assert.equal((await runProgram(conlinkArgv('net2dot', '--compose-file', 'examples/test1-compose.yaml', '--output', dot), { env })).code, 0)
  assert.match(readFileSync(dot, 'utf8'), /^graph "conlink" \{/)
})

test('net2dot CLI: a bad --format or bad stdin is a clear error with a non-zero exit', async () => {
  const bad = await runProgram(conlinkArgv('net2dot', '--compose-file', 'examples/test1-compose.yaml', '--format', 'png'), { env })
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /Expected --format=png to be one of: dot, svg/)
  const junk = await pipeInto(['net2dot'], '{"bad": 1}')
  assert.equal(junk.code, 1)
  assert.match(junk.stderr, /^ERROR: <stdin>: bridges: missing or not a map/m)
  assert.doesNotMatch(junk.stderr, /at .*\.js:\d+/, 'no stack trace')
})
