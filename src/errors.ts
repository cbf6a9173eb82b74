// One error type for everything a person must act on: where, what, and a hint.

export interface ErrorPlace {
  /** A file, or a container:dev, or a program name. */
  file?: string
  /** A path inside the file, e.g. `links[2].mac`. */
  path?: string
}

export class ConlinkError extends Error {
  readonly place: ErrorPlace
  readonly hint?: string
  readonly exitCode: number

  constructor(message: string, opts: { place?: ErrorPlace; hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: opts.cause })
    this.name = 'ConlinkError'
    this.place = opts.place ?? {}
    this.hint = opts.hint
    this.exitCode = opts.exitCode ?? 1
  }

  /** `file: path: message (hint)` on one line, the way every command prints it. */
  describe(): string {
    const where = [this.place.file, this.place.path].filter(Boolean).join(': ')
    const hint = this.hint ? ` (${this.hint})` : ''
    return `${where ? where + ': ' : ''}${this.message}${hint}`
  }
}

/** Several config errors reported together. */
export class ConfigErrors extends ConlinkError {
  readonly errors: ConlinkError[]

  constructor(errors: ConlinkError[]) {
    super(errors.map((e) => e.describe()).join('\n'))
    this.errors = errors
  }

  describe(): string {
    return this.errors.map((e) => e.describe()).join('\n')
  }
}

export function isConlinkError(e: unknown): e is ConlinkError {
  return e instanceof ConlinkError
}

/** A one-line description of any thrown value. */
export function describeError(err: unknown): string {
  if (isConlinkError(err)) return err.describe()
  if (err instanceof Error) return err.message
  return String(err)
}

/** The longest stretch of a bad value an error message quotes. */
export const MAX_QUOTED = 200

/** A value for an error message: as JSON, cut to about MAX_QUOTED characters. */
export function quote(value: unknown): string {
  const json = String(JSON.stringify(value))
  return json.length <= MAX_QUOTED ? json : `${json.slice(0, MAX_QUOTED)}... (${json.length} characters)`
}
