import { Args } from '@oclif/core'
import { OwnArgvCommand } from '../src/cli.js'
import { COPY_USAGE, copyMain } from '../src/tools/copy.js'

export default class Copy extends OwnArgvCommand {
  static summary = 'Overlay-copy a directory tree, optionally replacing {{NAME}} with environment variables'
  static usage = COPY_USAGE
  static description = `Options (before SRC_DIR):
  -T|--template  replace {{NAME}} in copied text files with the environment variable NAME when it is set
  --strict       with -T: an unset variable is an error
  --handlebars   render text files with handlebars instead (environment as context; Node.js only)
A POSIX sh version for containers without Node.js: conlink utils --out DIR`
  static args = {
    SRC_DIR: Args.string({ description: 'directory tree to copy from' }),
    DST_DIR: Args.string({ description: 'directory to copy into (files are overlaid, nothing is deleted)' }),
    COMMAND: Args.string({ description: 'after --: run this command (with its ARGS) once the copy is done' }),
  }
  static examples = ['conlink copy -T /files / -- conlink wait -i eth0 -- httpd -f']

  async run(): Promise<void> {
    process.exitCode = await copyMain(this.ownArgv())
  }
}
