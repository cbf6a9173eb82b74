// ONE table of wait/copy cases, run against every implementation: the
// Node.js tools (`node bin/conlink.js wait|copy`) and the POSIX sh versions
// (src/tools/sh/*.sh under dash and busybox sh). Same exit code, same stdout
// lines, same first stderr line.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import assert from 'node:assert/strict'

export interface CaseContext {
  /** A fresh directory for this case and implementation. */
  dir: string
  /** A TCP port on 127.0.0.1 that accepts connections. */
  openPort: number
  /** A TCP port on 127.0.0.1 that refuses them. */
  closedPort: number
  /** An interface named in /proc/net/route (undefined: none). */
  routeIntf?: string
}

export interface ToolCase {
  name: string
  tool: 'wait' | 'copy'
  args: (c: CaseContext) => string[]
  env?: Record<string, string>
  setup?: (c: CaseContext) => void
  /** Work to do while the tool runs (e.g. create a file after a while). */
  during?: (c: CaseContext) => void
  needs?: (c: CaseContext) => string | undefined
  exit: number
  stdout: (c: CaseContext) => string[]
  /** The first line on stderr; undefined: stderr must be empty. */
  stderr?: (c: CaseContext) => string
  check?: (c: CaseContext) => void
}

export const WAIT_USAGE =
  'usage: wait [-f FILE] [-i IF] [-I IF] [-t HOST:PORT] [-c CMD] [-u MASK] [-s SECS] [--timeout SECS] [-- COMMAND ARGS...]'

function write(path: string, data: string | Buffer, mode?: number) {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, data)
  if (mode !== undefined) chmodSync(path, mode)
}

const BINARY = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, ...Buffer.from('{{FOO}}'), 0xff, 0])
const TEMPLATE = 'a={{FOO}} b={{UNSET_H3}} c={{FOO}}{{EMPTY}}|\nweird={{SPECIAL}}\nno newline at end {{FOO}}'

/** Template snippets people copy: only `{{NAME}}` with NAME set may change. */
const SNIPPETS: Record<string, string> = {
  'helm.yaml': 'replicas: {{ .Values.replicas }}\nimage: "{{ .Values.image }}:{{ .Chart.AppVersion }}"\n{{- if .Values.x }}\nname: {{FOO}}\n{{- end }}\n',
  'go.tmpl': '{{range .Items}}{{.}}{{end}} {{template "x" .}} {{FOO}}{{/* c */}}\n',
  'jinja.j2': '{% for x in xs %}{{ x }}{% endfor %} {{FOO|upper}} {{ FOO }} {# c #}\n',
  'handlebars.hbs': '{{#each list}}{{this}}{{/each}} {{! comment }} {{!-- c --}} {{> partial}} {{{FOO}}} {{&FOO}}\n',
  'escapes.txt': '\\{{FOO}} {{{{FOO}}}} {{FOO}}} {{{FOO}} {FOO} $FOO ${FOO} {{FOO {{ FOO}} {{FOO }} {{9FOO}} {{_F00}} {{FOO-X}}\n',
  'proto.txt': '{{constructor}} {{__proto__}} {{toString}} {{hasOwnProperty}} {{FOO}}\n',
  'unicode.txt': 'héllo {{FOO}} ✓ {{UNI}} ｛{FOO}｝ {{FÖO}}\n',
  'crlf.txt': 'a={{FOO}}\r\nb={{UNSET_H12}}\r\n\r\nlast {{FOO}}',
  'empty.txt': '',
  'only-newlines.txt': '\n\n',
  'strict-ok.txt': 'no tokens {{ FOO }} here\n',
}
const NUL_LATE = Buffer.concat([Buffer.from('{{FOO}}\n'.repeat(1200)), Buffer.from([0]), Buffer.from('{{FOO}}\n')])
const LATIN1 = Buffer.from([0xe9, 0x20, ...Buffer.from('{{FOO}}'), 0xff, 0xfe, 0x0a])
const TEMPLATE_ENV = { FOO: 'foo', UNI: 'ünï ✓', EMPTY: '' }

/** The reference: each `{{NAME}}` whose NAME is set, replaced; every other byte kept. */
function expectedTemplate(bytes: Buffer, env: Record<string, string>): Buffer {
  if (bytes.includes(0)) return bytes
  const parts: Buffer[] = []
  let last = 0
  for (const m of bytes.toString('latin1').matchAll(/\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g)) {
    if (!Object.hasOwn(env, m[1])) continue
    parts.push(bytes.subarray(last, m.index), Buffer.from(env[m[1]]))
    last = m.index! + m[0].length
  }
  return Buffer.concat([...parts, bytes.subarray(last)])
}

export const CASES: ToolCase[] = [
  // ---- wait ----
  {
    name: 'wait: conditions in order, then the command (its exit code and output)',
    tool: 'wait',
    setup: (c) => write(join(c.dir, 'ready'), ''),
    args: (c) => ['-f', join(c.dir, 'ready'), '-i', 'lo', '-c', 'true', '-t', `127.0.0.1:${c.openPort}`, '--', 'sh', '-c', 'echo hi; exit 3'],
    exit: 3,
    stdout: (c) => [`wait: file ${join(c.dir, 'ready')}: ready`, 'wait: interface lo: ready', 'wait: command true: ready', `wait: tcp 127.0.0.1:${c.openPort}: ready`, 'hi'],
  },
  {
    name: 'wait: long options, no command',
    tool: 'wait',
    args: () => ['--intf', 'lo', '--if', 'lo', '--cmd', 'exit 0', '--command', ':', '--file', '/'],
    exit: 0,
    stdout: () => ['wait: interface lo: ready', 'wait: interface lo: ready', 'wait: command exit 0: ready', 'wait: command :: ready', 'wait: file /: ready'],
  },
  {
    name: 'wait: retries until the file appears (-s sets the interval)',
    tool: 'wait',
    args: (c) => ['-s', '0.1', '--timeout', '20', '-f', join(c.dir, 'later')],
    during: (c) => setTimeout(() => write(join(c.dir, 'later'), ''), 400),
    exit: 0,
    stdout: (c) => [`wait: file ${join(c.dir, 'later')}: ready`],
  },
  {
    name: 'wait: -I IF finds IF in /proc/net/route',
    tool: 'wait',
    needs: (c) => (c.routeIntf ? undefined : 'no interface with a route in /proc/net/route'),
    args: (c) => ['--timeout', '0', '-I', c.routeIntf!],
    exit: 0,
    stdout: (c) => [`wait: ip on ${c.routeIntf}: ready`],
  },
  {
    name: 'wait: --timeout names the condition that failed (file)',
    tool: 'wait',
    args: (c) => ['-f', '/', '-s', '0.2', '--timeout', '1', '-f', join(c.dir, 'never'), '--', 'echo', 'not run'],
    exit: 1,
    stdout: () => ['wait: file /: ready'],
    stderr: (c) => `wait: timeout after 1s: file ${join(c.dir, 'never')} not ready`,
  },
  {
    name: 'wait: --timeout on a closed TCP port, a missing interface, a missing route, a failing command',
    tool: 'wait',
    args: (c) => ['--timeout', '0', '-t', `127.0.0.1:${c.closedPort}`],
    exit: 1,
    stdout: () => [],
    stderr: (c) => `wait: timeout after 0s: tcp 127.0.0.1:${c.closedPort} not ready`,
  },
  {
    name: 'wait: --timeout on a missing interface',
    tool: 'wait',
    args: () => ['--timeout', '0', '-i', 'h3nosuch0'],
    exit: 1,
    stdout: () => [],
    stderr: () => 'wait: timeout after 0s: interface h3nosuch0 not ready',
  },
  {
    name: 'wait: --timeout on an interface without a route',
    tool: 'wait',
    args: () => ['--timeout', '0', '--ip', 'h3nosuch0'],
    exit: 1,
    stdout: () => [],
    stderr: () => 'wait: timeout after 0s: ip on h3nosuch0 not ready',
  },
  {
    name: 'wait: --timeout on a failing command',
    tool: 'wait',
    args: () => ['--timeout', '0', '-c', 'exit 1'],
    exit: 1,
    stdout: () => [],
    stderr: () => 'wait: timeout after 0s: command exit 1 not ready',
  },
  {
    name: 'wait: -u sets the umask for what follows',
    tool: 'wait',
    args: () => ['-u', '077', '--timeout', '0', '-c', '[ "$(umask)" = 0077 ]'],
    exit: 0,
    stdout: () => ['wait: command [ "$(umask)" = 0077 ]: ready'],
  },
  {
    name: 'wait: WAIT_SLEEP sets the default interval',
    tool: 'wait',
    env: { WAIT_SLEEP: '0.1' },
    args: (c) => ['--timeout', '20', '-f', join(c.dir, 'later2')],
    during: (c) => setTimeout(() => write(join(c.dir, 'later2'), ''), 300),
    exit: 0,
    stdout: (c) => [`wait: file ${join(c.dir, 'later2')}: ready`],
  },
  { name: 'wait: unknown option', tool: 'wait', args: () => ['-f', '/', '-x'], exit: 2, stdout: () => [], stderr: () => 'wait: unknown option: -x' },
  { name: 'wait: unexpected argument', tool: 'wait', args: () => ['eth0'], exit: 2, stdout: () => [], stderr: () => 'wait: unexpected argument: eth0' },
  { name: 'wait: missing argument', tool: 'wait', args: () => ['-i', 'lo', '-f'], exit: 2, stdout: () => [], stderr: () => 'wait: option -f needs an argument' },
  {
    name: 'wait: usage errors come before any waiting',
    tool: 'wait',
    args: () => ['-f', '/nonexistent-h3', '--timeout'],
    exit: 2,
    stdout: () => [],
    stderr: () => 'wait: option --timeout needs an argument',
  },
  {
    name: 'wait: -t without a port',
    tool: 'wait',
    args: () => ['-t', 'localhost'],
    exit: 2,
    stdout: () => [],
    stderr: () => 'wait: bad HOST:PORT for -t: localhost (port must be 1..65535)',
  },
  {
    name: 'wait: -t with port 70000',
    tool: 'wait',
    args: () => ['-t', '127.0.0.1:70000'],
    exit: 2,
    stdout: () => [],
    stderr: () => 'wait: bad HOST:PORT for -t: 127.0.0.1:70000 (port must be 1..65535)',
  },
  { name: 'wait: -t with port 0', tool: 'wait', args: () => ['-t', 'h:0'], exit: 2, stdout: () => [], stderr: () => 'wait: bad HOST:PORT for -t: h:0 (port must be 1..65535)' },
  { name: 'wait: bad -s number', tool: 'wait', args: () => ['-s', 'abc'], exit: 2, stdout: () => [], stderr: () => 'wait: bad number for -s: abc (seconds, at most 2000000)' },
  {
    name: 'wait: a huge -s or --timeout is rejected (never a timer overflow)',
    tool: 'wait',
    args: () => ['-s', '1', '--timeout', '99999999999', '-f', '/'],
    exit: 2,
    stdout: () => [],
    stderr: () => 'wait: bad number for --timeout: 99999999999 (seconds, at most 2000000)',
  },
  { name: 'wait: -s 2000000.5 is rejected', tool: 'wait', args: () => ['-s', '2000000.5'], exit: 2, stdout: () => [], stderr: () => 'wait: bad number for -s: 2000000.5 (seconds, at most 2000000)' },
  {
    name: 'wait: a bad value is quoted at most 200 characters',
    tool: 'wait',
    args: () => ['-s', '9'.repeat(5000)],
    exit: 2,
    stdout: () => [],
    stderr: () => `wait: bad number for -s: ${'9'.repeat(200)} (seconds, at most 2000000)`,
  },
  {
    name: 'wait: --timeout also stops a -c command that is still running',
    tool: 'wait',
    args: () => ['--timeout', '1', '-c', 'sleep 30'],
    exit: 1,
    stdout: () => [],
    stderr: () => 'wait: timeout after 1s: command sleep 30 not ready',
  },
  { name: 'wait: bad umask', tool: 'wait', args: () => ['-u', '99'], exit: 2, stdout: () => [], stderr: () => 'wait: bad umask: 99' },

  // ---- copy ----
  {
    name: 'copy: overlay with -T (set, unset, empty, special values; modes kept; missing final newline kept)',
    tool: 'copy',
    env: { FOO: 'foo', EMPTY: '', SPECIAL: `a&b\\1 $(touch /tmp/h3-pwned) \`id\` / | ' " {{FOO}}` },
    setup: (c) => {
      write(join(c.dir, 'src/etc/app.conf'), TEMPLATE, 0o640)
      write(join(c.dir, 'src/bin/run'), '#!/bin/sh\necho {{FOO}}\n', 0o555)
      write(join(c.dir, 'src/bin/blob'), BINARY)
      write(join(c.dir, 'dst/etc/keep'), 'kept\n')
      write(join(c.dir, 'dst/etc/app.conf'), 'old\n', 0o444)
    },
    args: (c) => ['-T', join(c.dir, 'src'), join(c.dir, 'dst'), '--', 'sh', join(c.dir, 'dst/bin/run')],
    exit: 0,
    stdout: (c) => [`copy: ${join(c.dir, 'src')} -> ${join(c.dir, 'dst')} (3 files)`, 'foo'],
    check: (c) => {
      const d = (p: string) => join(c.dir, 'dst', p)
      assert.equal(
        readFileSync(d('etc/app.conf'), 'utf8'),
        `a=foo b={{UNSET_H3}} c=foo|\nweird=a&b\\1 $(touch /tmp/h3-pwned) \`id\` / | ' " {{FOO}}\nno newline at end foo`,
      )
      assert.equal(statSync(d('etc/app.conf')).mode & 0o777, 0o640)
      assert.equal(statSync(d('bin/run')).mode & 0o777, 0o755, 'kept mode plus u+w')
      assert.deepEqual(readFileSync(d('bin/blob')), BINARY, 'binary copied unchanged')
      assert.equal(readFileSync(d('etc/keep'), 'utf8'), 'kept\n', 'overlay keeps other files')
    },
  },
  {
    name: 'copy: without -T tokens stay',
    tool: 'copy',
    env: { FOO: 'foo' },
    setup: (c) => {
      write(join(c.dir, 'src/a/b/c.txt'), '{{FOO}}\n')
      mkdirSync(join(c.dir, 'dst'))
    },
    args: (c) => [join(c.dir, 'src'), join(c.dir, 'dst')],
    exit: 0,
    stdout: (c) => [`copy: ${join(c.dir, 'src')} -> ${join(c.dir, 'dst')} (1 files)`],
    check: (c) => assert.equal(readFileSync(join(c.dir, 'dst/a/b/c.txt'), 'utf8'), '{{FOO}}\n'),
  },
  {
    name: 'copy: --strict with an unset variable names file and variable',
    tool: 'copy',
    setup: (c) => {
      write(join(c.dir, 'src/t.txt'), 'x {{H3_NOT_SET}} y\n')
      mkdirSync(join(c.dir, 'dst'))
    },
    args: (c) => ['--template', '--strict', join(c.dir, 'src'), join(c.dir, 'dst')],
    exit: 1,
    stdout: () => [],
    stderr: (c) => `copy: ${join(c.dir, 'src/t.txt')}: variable H3_NOT_SET is not set`,
  },
  {
    name: 'copy: missing source directory',
    tool: 'copy',
    setup: (c) => mkdirSync(join(c.dir, 'dst'), { recursive: true }),
    args: (c) => [join(c.dir, 'nosrc'), join(c.dir, 'dst')],
    exit: 2,
    stdout: () => [],
    stderr: (c) => `copy: source directory not found: ${join(c.dir, 'nosrc')}`,
  },
  {
    name: 'copy: missing destination directory',
    tool: 'copy',
    setup: (c) => mkdirSync(join(c.dir, 'src'), { recursive: true }),
    args: (c) => [join(c.dir, 'src'), join(c.dir, 'nodst')],
    exit: 2,
    stdout: () => [],
    stderr: (c) => `copy: destination directory not found: ${join(c.dir, 'nodst')}`,
  },
  {
    name: 'copy -T: Helm, Go, Jinja, handlebars syntax, escapes, prototype names, unicode, CRLF, late NUL: only set {{NAME}} changes',
    tool: 'copy',
    env: TEMPLATE_ENV,
    setup: (c) => {
      for (const [name, text] of Object.entries(SNIPPETS)) write(join(c.dir, 'src', name), text)
      write(join(c.dir, 'src', 'nul-after-8k.bin'), NUL_LATE)
      write(join(c.dir, 'src', 'latin1.txt'), LATIN1)
      mkdirSync(join(c.dir, 'dst'))
    },
    args: (c) => ['-T', join(c.dir, 'src'), join(c.dir, 'dst')],
    exit: 0,
    stdout: (c) => [`copy: ${join(c.dir, 'src')} -> ${join(c.dir, 'dst')} (${Object.keys(SNIPPETS).length + 2} files)`],
    check: (c) => {
      for (const name of [...Object.keys(SNIPPETS), 'nul-after-8k.bin', 'latin1.txt']) {
        const src = readFileSync(join(c.dir, 'src', name))
        assert.deepEqual(readFileSync(join(c.dir, 'dst', name)), expectedTemplate(src, TEMPLATE_ENV), name)
      }
      assert.equal(readFileSync(join(c.dir, 'dst', 'proto.txt'), 'utf8'), '{{constructor}} {{__proto__}} {{toString}} {{hasOwnProperty}} foo\n')
    },
  },
  {
    name: 'copy -T --strict: tokens-free text and other brace syntax pass; `{{constructor}}` is an unset name',
    tool: 'copy',
    env: { FOO: 'foo' },
    setup: (c) => {
      write(join(c.dir, 'src/a.txt'), SNIPPETS['strict-ok.txt'] + SNIPPETS['helm.yaml'])
      write(join(c.dir, 'src/z/b.txt'), '{{constructor}}\n')
      mkdirSync(join(c.dir, 'dst'))
    },
    args: (c) => ['-T', '--strict', join(c.dir, 'src'), join(c.dir, 'dst')],
    exit: 1,
    stdout: () => [],
    stderr: (c) => `copy: ${join(c.dir, 'src/z/b.txt')}: variable constructor is not set`,
    check: (c) => assert.ok(!existsSync(join(c.dir, 'dst/z/b.txt')), 'no half-written file'),
  },
  { name: 'copy: unknown option', tool: 'copy', args: () => ['-x', 'a', 'b'], exit: 2, stdout: () => [], stderr: () => 'copy: unknown option: -x' },
  { name: 'copy: one directory only', tool: 'copy', args: () => ['a'], exit: 2, stdout: () => [], stderr: () => 'copy: need SRC_DIR and DST_DIR' },
]
