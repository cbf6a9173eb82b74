// Hostile trees (issue 12): newline names, links out, a link over a
// directory, a FIFO, setuid files, DST inside SRC. Each case runs against mdc,
// the Node.js copy, copy.sh under dash and copy.sh under busybox sh; a
// sentinel directory next to the target must be byte-identical afterwards.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { checkNotInside, copyTree } from '../../src/tools/copy.js'
import { ToolError } from '../../src/tools/common.js'
import { applyMdc, checkFilesDir, mdcSettings, planMdc } from '../../src/compose/mdc.js'
import { describeError } from '../../src/errors.js'
import { ROOT, ensureBuilt, runProgram, type CliResult } from './tools-cli.js'

const tmp = mkdtempSync('/tmp/h12-trees-')
after(() => rmSync(tmp, { recursive: true, force: true }))
before(() => ensureBuilt())

function write(path: string, data: string, mode?: number) {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, data)
  if (mode !== undefined) chmodSync(path, mode)
}

/** Every entry under dir: type, mode, content or link target. */
function snapshot(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name)
      const s = lstatSync(p)
      const rel = JSON.stringify(p.slice(dir.length))
      if (s.isSymbolicLink()) out.push(`${rel} -> ${readlinkSync(p)}`)
      else if (s.isDirectory()) {
        out.push(`${rel}/ ${s.mode.toString(8)}`)
        walk(p)
      } else out.push(`${rel} ${s.mode.toString(8)} ${readFileSync(p).toString('base64')}`)
    }
  }
  walk(dir)
  return out
}

/** A directory next to the target that no case may touch. */
function sentinel(base: string): string {
  const dir = join(base, 'sentinel')
  write(join(dir, 'passwd'), 'root:x:0:0\n', 0o644)
  write(join(dir, 'sub', 'keep'), 'keep\n')
  return dir
}

let queue: Promise<unknown> = Promise.resolve()
/**
 * Run a tool's library functions in this process, one at a time (mdc works in
 * the current directory): the Node.js start-up of dozens of CLI runs would make
 * this file slow. tools-shared.test.ts covers the CLI around them.
 */
function inProcess(main: (stderr: (s: string) => void) => Promise<number>, cwd: string): Promise<CliResult> {
  const job = queue.then(async () => {
    const result: CliResult = { code: 0, stdout: '', stderr: '' }
    const here = process.cwd()
    process.chdir(cwd)
    try {
      result.code = await main((line) => (result.stderr += line + '\n'))
    } catch (e) {
      result.stderr += `${e instanceof ToolError ? 'copy' : 'mdc'}: ${describeError(e)}\n`
      result.code = e instanceof ToolError ? e.code : 1
    } finally {
      process.chdir(here)
    }
    return result
  })
  queue = job.catch(() => undefined)
  return job
}

/** mdc MODES without a compose command: plan, check, write. */
const mdcBin = (args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }) =>
  inProcess(async () => {
    const settings = mdcSettings(opts.env)
    const plan = planMdc(args, settings)
    checkFilesDir(settings.filesDir)
    await applyMdc(plan, settings)
    return 0
  }, opts.cwd)

/** copy SRC DST (options: -T) as copyMain does it, warnings captured. */
const nodeCopy = (args: string[], cwd: string) =>
  inProcess(async (stderr) => {
    const template = args[0] === '-T'
    const [src, dst] = template ? args.slice(1) : args
    await checkNotInside(src, dst)
    await copyTree(src, dst, { template, warn: (m) => stderr(`copy: warning: ${m}`) })
    return 0
  }, cwd)

interface TreeCase {
  name: string
  /** Build SRC (and DST's old content) under base; sentinel is the absolute sentinel path. */
  setup: (src: string, dst: string, sentinel: string) => void
  /** DST relative to base (default dst). */
  dst?: string
  exit: number
  stderr?: RegExp
  check?: (dst: string) => void
}

const CASES: TreeCase[] = [
  {
    name: 'a directory named "a\\n.." holding sentinel/passwd stays inside DST',
    setup: (src) => write(join(src, 'a\n..', 'sentinel', 'passwd'), 'pwned\n'),
    exit: 0,
    check: (dst) => assert.equal(readFileSync(join(dst, 'a\n..', 'sentinel', 'passwd'), 'utf8'), 'pwned\n'),
  },
  {
    name: 'newline and space names in files',
    setup: (src) => {
      write(join(src, 'x\ny'), 'one\n')
      write(join(src, ' lead'), 'two\n')
      write(join(src, '.hidden'), 'three\n')
    },
    exit: 0,
    check: (dst) => assert.deepEqual(readdirSync(dst).sort(), [' lead', '.hidden', 'x\ny']),
  },
  {
    name: 'links in SRC pointing out are copied as links, never followed',
    setup: (src, _dst, s) => {
      symlinkSync(s, join(src, 'out'))
      symlinkSync(join(s, 'passwd'), join(src, 'pw'))
    },
    exit: 0,
    check: (dst) => assert.ok(lstatSync(join(dst, 'out')).isSymbolicLink() && lstatSync(join(dst, 'pw')).isSymbolicLink()),
  },
  {
    name: 'a link in DST where SRC has a directory is replaced, never descended into',
    setup: (src, dst, s) => {
      write(join(src, 'x', 'pwned'), 'pwned\n')
      write(join(src, 'x', 'sub', 'keep'), 'pwned\n')
      mkdirSync(dst, { recursive: true })
      symlinkSync(s, join(dst, 'x'))
    },
    exit: 0,
    check: (dst) => {
      assert.ok(lstatSync(join(dst, 'x')).isDirectory())
      assert.equal(readFileSync(join(dst, 'x', 'pwned'), 'utf8'), 'pwned\n')
    },
  },
  {
    name: 'a link in DST where SRC has a file is replaced, never written through',
    setup: (src, dst, s) => {
      write(join(src, 'passwd'), 'pwned\n')
      mkdirSync(dst, { recursive: true })
      symlinkSync(join(s, 'passwd'), join(dst, 'passwd'))
    },
    exit: 0,
    check: (dst) => assert.ok(lstatSync(join(dst, 'passwd')).isFile()),
  },
  {
    name: 'a link in SRC over a directory in DST is refused',
    setup: (src, dst, s) => {
      symlinkSync(s, join(src, 'd'))
      write(join(dst, 'd', 'f'), 'old\n')
    },
    exit: 1,
    stderr: /cannot replace directory .*d with a link/,
  },
  {
    name: 'a FIFO is skipped with a warning (no hang)',
    setup: (src) => {
      mkdirSync(src, { recursive: true })
      execFileSync('mkfifo', [join(src, 'fifo')])
      write(join(src, 'after'), 'x\n')
    },
    exit: 0,
    stderr: /warning: skipping .*fifo: not a regular file/,
    check: (dst) => assert.ok(!existsSync(join(dst, 'fifo')) && existsSync(join(dst, 'after'))),
  },
  {
    name: 'setuid, setgid and sticky bits are dropped',
    setup: (src) => {
      write(join(src, 'suid'), '#!/bin/sh\n', 0o6755)
      mkdirSync(join(src, 'sticky'), { recursive: true })
      chmodSync(join(src, 'sticky'), 0o3777)
    },
    exit: 0,
    check: (dst) => {
      assert.equal(lstatSync(join(dst, 'suid')).mode & 0o7777, 0o755)
      assert.equal(lstatSync(join(dst, 'sticky')).mode & 0o7000, 0)
    },
  },
]

const COPIERS: { name: string; argv: string[]; missing?: string }[] = [
  { name: 'node', argv: ['node-copy'] },
  { name: 'dash', argv: ['/bin/dash', join(ROOT, 'src/tools/sh/copy.sh')], missing: '/bin/dash' },
  { name: 'busybox', argv: ['/bin/busybox', 'sh', join(ROOT, 'src/tools/sh/copy.sh')], missing: '/bin/busybox' },
]

const runCopier = (argv: string[], args: string[], cwd: string) =>
  argv[0] === 'node-copy' ? nodeCopy(args, cwd) : runProgram([...argv, ...args], { cwd })

let n = 0
for (const copier of COPIERS) {
  describe(`hostile trees: copy (${copier.name})`, { concurrency: 4 }, () => {
    for (const tc of CASES) {
      test(tc.name, { timeout: 10_000 }, async (t) => {
        if (copier.missing && !existsSync(copier.missing)) return t.skip(`${copier.missing} is not installed`)
        const base = join(tmp, `c${n++}`)
        const s = sentinel(base)
        const before = snapshot(s)
        const src = join(base, 'src')
        const dst = join(base, 'dst')
        mkdirSync(src, { recursive: true })
        tc.setup(src, dst, s)
        mkdirSync(dst, { recursive: true })
        for (const template of [[], ['-T']]) {
          const r = await runCopier(copier.argv, [...template, src, dst], base)
          assert.equal(r.code, tc.exit, r.stderr)
          if (tc.stderr) assert.match(r.stderr, tc.stderr)
          else assert.equal(r.stderr, '')
          tc.check?.(dst)
          assert.deepEqual(snapshot(s), before, 'the sentinel changed')
        }
      })
    }
    test('DST inside SRC (or SRC itself) is refused', async (t) => {
      if (copier.missing && !existsSync(copier.missing)) return t.skip(`${copier.missing} is not installed`)
      const base = join(tmp, `c${n++}`)
      write(join(base, 'src', 'inner', 'f'), 'x\n')
      for (const dst of [join(base, 'src', 'inner'), join(base, 'src'), join(base, 'src', 'inner', '..')]) {
        const before = snapshot(join(base, 'src'))
        const r = await runCopier(copier.argv, [join(base, 'src'), dst], base)
        assert.equal(r.code, 2, r.stderr)
        assert.match(r.stderr, /^copy: destination .* is inside source /)
        assert.deepEqual(snapshot(join(base, 'src')), before)
      }
    })
  })
}

describe('hostile trees: mdc', { concurrency: 4 }, () => {
  const env = (extra: Record<string, string> = {}) => ({ ...process.env, MDC_DRY_RUN: '', VERBOSE: '', MODES_DIR: './modes', ENV_FILE: '.env', MDC_FILES_DIR: './.files', ...extra })
  const project = () => {
    const base = join(tmp, `m${n++}`)
    const s = sentinel(base)
    return { base, s, before: snapshot(s) }
  }

  for (const tc of CASES.filter((c) => c.exit === 0)) {
    test(`as a mode files/ tree: ${tc.name}`, { timeout: 10_000 }, async () => {
      const { base, s, before } = project()
      const src = join(base, 'modes', 'm', 'svc', 'files')
      mkdirSync(src, { recursive: true })
      tc.setup(src, join(base, '.files', 'svc'), s)
      const r = await mdcBin(['m'], { cwd: base, env: env() })
      assert.equal(r.code, 0, `${tc.name}: ${r.stderr}`)
      tc.check?.(join(base, '.files', 'svc'))
      assert.deepEqual(snapshot(s), before, tc.name)
    })
  }

  test('a symlinked MDC_FILES_DIR is refused, its target untouched', async () => {
    const { base, s, before } = project()
    write(join(base, 'modes', 'm', 'svc', 'files', 'f'), 'x\n')
    symlinkSync(s, join(base, '.files'))
    const r = await mdcBin(['m'], { cwd: base, env: env() })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /refusing to empty MDC_FILES_DIR=\.\/\.files \(it is a symbolic link/)
    assert.deepEqual(snapshot(s), before)
  })

  test('a link planted by an earlier mode is replaced, never written through', async () => {
    const { base, s, before } = project()
    mkdirSync(join(base, 'modes', 'a', 'svc', 'files'), { recursive: true })
    symlinkSync(s, join(base, 'modes', 'a', 'svc', 'files', 'x'))
    write(join(base, 'modes', 'b', 'deps'), 'a\n')
    write(join(base, 'modes', 'b', 'svc', 'files', 'x', 'pwned'), 'pwned\n')
    const r = await mdcBin(['b'], { cwd: base, env: env() })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(readFileSync(join(base, '.files', 'svc', 'x', 'pwned'), 'utf8'), 'pwned\n')
    assert.deepEqual(snapshot(s), before)
  })

  test('a mode env or files/ linking outside the modes directory is refused', async () => {
    for (const [name, target] of [['env', 'passwd'], ['.env', 'passwd'], ['svc/files', 'sub']]) {
      const { base, s, before } = project()
      mkdirSync(dirname(join(base, 'modes', 'm', name)), { recursive: true })
      symlinkSync(join(s, target), join(base, 'modes', 'm', name))
      const r = await mdcBin(['m'], { cwd: base, env: env() })
      assert.equal(r.code, 1, r.stderr)
      assert.match(r.stderr, /refusing to read .*: it is a link to .*, outside the modes directory/)
      assert.ok(!existsSync(join(base, '.env')), 'nothing written')
      assert.deepEqual(snapshot(s), before)
    }
    // a link that stays inside the modes directory is fine
    const { base } = project()
    write(join(base, 'modes', 'shared.env'), 'X=1\n')
    mkdirSync(join(base, 'modes', 'm'), { recursive: true })
    symlinkSync('../shared.env', join(base, 'modes', 'm', 'env'))
    const ok = await mdcBin(['m'], { cwd: base, env: env() })
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(readFileSync(join(base, '.env'), 'utf8'), /^X=1$/m)
  })

  test('ENV_FILE and .compose-empty.yaml links are replaced, never written through', async () => {
    const { base, s, before } = project()
    write(join(base, 'modes', 'm', 'env'), 'X=1\n')
    symlinkSync(join(s, 'passwd'), join(base, '.env'))
    symlinkSync(join(s, 'sub', 'keep'), join(base, '.compose-empty.yaml'))
    symlinkSync(join(s, 'sub', 'keep'), join(base, `..env.mdc-0.tmp`))
    const r = await mdcBin(['m'], { cwd: base, env: env() })
    assert.equal(r.code, 0, r.stderr)
    assert.ok(lstatSync(join(base, '.env')).isFile() && lstatSync(join(base, '.compose-empty.yaml')).isFile())
    assert.deepEqual(snapshot(s), before)
  })
})
