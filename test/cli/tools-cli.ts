// Test helper: run the built CLI (dist/) as a user would; it must be built
// already (npm test builds first) and current, or the test fails loudly.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * Every compiled source: the .ts files of src/ and commands/. The schema is
 * compiled into src/config/schema-validator.gen.ts, whose freshness a unit
 * test (config-validate) checks.
 */
function sources(dir = ''): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir ? `${dir}/${e.name}` : e.name
    if (e.isDirectory()) return sources(rel)
    return /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [rel] : []
  })
}

/**
 * The built CLI (dist/) is current. Tests never build: `npm test` builds
 * once before any test file runs, and parallel test files must not write
 * into the shared dist/ at the same time. A missing or stale file fails
 * loudly, so no test runs yesterday's code.
 */
export function ensureBuilt(): void {
  const files = [...sources('src'), ...sources('commands')]
  const built = (src: string) => join(ROOT, 'dist', src.replace(/\.ts$/, '.js'))
  const stale = files.filter((s) => !existsSync(built(s)) || statSync(built(s)).mtimeMs < statSync(join(ROOT, s)).mtimeMs)
  if (stale.length)
    throw new Error(`dist/ is missing or older than ${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ` and ${stale.length - 3} more` : ''}: run \`npm run build\` first (npm test does)`)
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Run argv (argv[0] a program) and collect its output. */
export function runProgram(argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code: code ?? 128 + (signal ? 15 : 0), stdout, stderr }))
  })
}

export const conlink = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  runProgram([process.execPath, join(ROOT, 'bin', 'conlink.js'), ...args], opts)

export const mdcBin = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  runProgram([process.execPath, join(ROOT, 'bin', 'mdc.js'), ...args], opts)
