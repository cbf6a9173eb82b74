// Log lines: actions to stdout, warnings and errors to stderr, detail only with -v.

let verbose = false

export function setVerbose(on: boolean): void {
  verbose = on
}

export function isVerbose(): boolean {
  return verbose
}

export const log = {
  info(msg: string): void {
    process.stdout.write(msg + '\n')
  },
  detail(msg: string): void {
    if (verbose) process.stdout.write(msg + '\n')
  },
  warn(msg: string): void {
    process.stderr.write(`WARNING: ${msg}\n`)
  },
  error(msg: string): void {
    process.stderr.write(`ERROR: ${msg}\n`)
  },
}
