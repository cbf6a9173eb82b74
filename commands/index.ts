// Every command, by its name on the command line (oclif "explicit" strategy:
// no directory scan at start-up).
export const COMMANDS = {}
