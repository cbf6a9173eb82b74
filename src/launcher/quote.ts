// Shell-style quoting for DISPLAY only (`--dry-run`, log lines): conlink never
// runs anything through a shell; this lets a person copy the command.

const PLAIN = /^[A-Za-z0-9_/.:=,@%+-]+$/

export function quoteArg(arg: string): string {
  if (PLAIN.test(arg)) return arg
  return `'${arg.replace(/'/g, `'\\''`)}'`
}

export function quoteCommand(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ')
}
