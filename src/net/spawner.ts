// Starting a program from node forks the whole node process: 5-30 ms per
// process on these machines, growing with node's memory, and it blocks the
// event loop. The link engine starts hundreds of short `ip`/`ethtool` runs,
// so it hands them to one small long-lived helper (perl-base, which every
// Debian system has) that forks in well under a millisecond. Argument
// vectors only, never a shell: each job is `exec {argv[0]} @argv`.
// Input and output go through files in a private directory. Without perl,
// jobs fall back to node's own spawn.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run, type RunResult } from '../exec.js'

// Reads jobs (`id in out err argv...`, hex words) from stdin; prints `id status` as each ends.
// Children are reaped in the main loop, never in a signal handler: perl runs
// handlers only between statements, so a SIGCHLD that lands just before a
// blocking read would wait for the next input. While jobs run, select() wakes
// at least every 10 ms; the empty SIGCHLD handler makes it wake at once.
const HELPER = String.raw`
use strict; use POSIX ();
$| = 1; $SIG{INT} = $SIG{TERM} = 'IGNORE';
$SIG{CHLD} = sub {};
my %jobs;
sub reap {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $id = delete $jobs{$pid};
    print "$id $?\n" if defined $id;
  }
}
sub job {
  my ($id, $in, $out, $err, @argv) = map { pack('H*', $_) } split / /, shift;
  my $pid = fork();
  if (defined $pid && $pid == 0) {
    $SIG{INT} = $SIG{TERM} = $SIG{CHLD} = 'DEFAULT';
    open(STDIN, '<', $in) && open(STDOUT, '>', $out) && open(STDERR, '>', $err) or POSIX::_exit(127);
    exec { $argv[0] } @argv;
    print STDERR "cannot run $argv[0]: $!\n";
    POSIX::_exit(127);
  }
  if (defined $pid) { $jobs{$pid} = $id } else { print "$id -1\n" }
}
my ($buf, $stdin) = ('', '');
vec($stdin, fileno(STDIN), 1) = 1;
while (1) {
  reap();
  next if select(my $ready = $stdin, undef, undef, %jobs ? 0.01 : undef) <= 0;
  my $n = sysread(STDIN, $buf, 65536, length $buf);
  if (!defined $n) { next if $! == POSIX::EINTR(); last }
  last if $n == 0;
  while ((my $i = index($buf, "\n")) >= 0) { job(substr($buf, 0, $i + 1, '') =~ s/\n$//r) }
}
`

const hex = (s: string) => Buffer.from(s).toString('hex')

class Spawner {
  private readonly dir = mkdtempSync(join(tmpdir(), 'conlink-jobs-'))
  private readonly child: ChildProcess
  private readonly waiting = new Map<number, (status: number) => void>()
  private seq = 0
  private rest = ''
  broken: Error | undefined

  constructor() {
    this.child = spawn('perl', ['-e', HELPER], { stdio: ['pipe', 'pipe', 'inherit'] })
    this.child.on('error', (err) => this.fail(err))
    this.child.on('exit', (code) => this.fail(new Error(`job helper exited (${code})`)))
    this.child.stdin!.on('error', (err) => this.fail(err))
    this.child.stdout!.setEncoding('utf8')
    this.child.stdout!.on('data', (text: string) => this.onStatus(text))
    this.idle()
    process.once('exit', () => {
      this.child.kill()
      rmSync(this.dir, { recursive: true, force: true })
    })
  }

  async run(argv: readonly string[], input?: string): Promise<RunResult> {
    if (this.broken) throw this.broken
    const id = ++this.seq
    const [inFile, outFile, errFile] = ['in', 'out', 'err'].map((ext) => join(this.dir, `${id}.${ext}`))
    if (input) writeFileSync(inFile, input)
    const status = new Promise<number>((resolve) => this.waiting.set(id, resolve))
    this.busy()
    this.child.stdin!.write([String(id), input ? inFile : '/dev/null', outFile, errFile, ...argv].map(hex).join(' ') + '\n')
    const code = await status
    if (this.waiting.size === 0) this.idle()
    const read = (file: string) => {
      try {
        const text = readFileSync(file, 'utf8').replace(/\n$/, '')
        unlinkSync(file)
        return text
      } catch {
        return ''
      }
    }
    if (input) unlinkSync(inFile)
    const result = { stdout: read(outFile), stderr: read(errFile), exitCode: code }
    if (code === -1) throw new Error(`job helper cannot fork for ${argv[0]}`)
    return result
  }

  private onStatus(text: string): void {
    const lines = (this.rest + text).split('\n')
    this.rest = lines.pop() ?? ''
    for (const line of lines) {
      const [id, raw] = line.split(' ').map(Number)
      const code = raw === -1 ? -1 : raw & 127 ? 128 + (raw & 127) : raw >> 8
      this.waiting.get(id)?.(code)
      this.waiting.delete(id)
    }
  }

  private fail(err: Error): void {
    this.broken ??= err
    for (const resolve of this.waiting.values()) resolve(-1)
    this.waiting.clear()
  }

  /** The helper keeps node alive only while jobs run. */
  private busy(): void {
    ;(this.child.stdout as { ref?: () => void }).ref?.()
  }

  private idle(): void {
    ;(this.child.stdout as { unref?: () => void }).unref?.()
    this.child.unref()
  }
}

let spawner: Spawner | undefined

/** Run a program through the helper (falls back to node's spawn when perl is missing or broken). Same contract as run with allowFailure. */
export async function runJob(argv: readonly string[], input?: string): Promise<RunResult> {
  if (!spawner?.broken) {
    spawner ??= new Spawner()
    try {
      return await spawner.run(argv, input)
    } catch {
      // perl missing or gone: node's spawn below
    }
  }
  return run(argv, { input, allowFailure: true })
}
