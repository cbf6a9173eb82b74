// Log lines: actions to stdout, warnings and errors to stderr, detail only with -v.

let verbose = false

export function setVerbose(on: boolean): void {
  verbose = on
}

export function isVerbose(): boolean {
  return verbose
}

// While `conlink up` runs, lines are written once per turn of the event
// loop instead of one write each: wiring hundreds of containers logs
// thousands of lines, and every write to the pipe Docker reads is a system
// call and a wake-up of its reader. Order across stdout and stderr is kept;
// what is pending is written at exit, and when batching ends.
let batching = false
const pending: Array<{ stream: NodeJS.WriteStream; text: string }> = []

function write(stream: NodeJS.WriteStream, text: string): void {
  if (!batching) {
    stream.write(text)
    return
  }
  if (pending.length === 0) setImmediate(flushLog)
  const last = pending.at(-1)
  if (last?.stream === stream) last.text += text
  else pending.push({ stream, text })
}

function flushLog(): void {
  for (const { stream, text } of pending.splice(0)) stream.write(text)
}

export function setLogBatching(on: boolean): void {
  if (on && !batching) process.on('exit', flushLog)
  if (!on) {
    flushLog()
    process.off('exit', flushLog)
  }
  batching = on
}

/** Epoch seconds with microseconds (the engine's clock): `-v` timing of events and each container's wiring. */
export function preciseNow(): string {
  return ((performance.timeOrigin + performance.now()) / 1000).toFixed(6)
}

export const log = {
  info(msg: string): void {
    write(process.stdout, msg + '\n')
  },
  detail(msg: string): void {
    if (verbose) write(process.stdout, msg + '\n')
  },
  warn(msg: string): void {
    write(process.stderr, `WARNING: ${msg}\n`)
  },
  error(msg: string): void {
    write(process.stderr, `ERROR: ${msg}\n`)
  },
}
