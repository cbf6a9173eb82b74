import { ConlinkCommand } from '../src/cli.js'
import { COPY_USAGE, copyMain } from '../src/tools/copy.js'

export default class Copy extends ConlinkCommand {
  static summary = 'Overlay-copy a directory tree, optionally replacing {{NAME}} with environment variables'
  static description = `Usage: ${COPY_USAGE}
  -T|--template  replace {{NAME}} in copied text files with the environment variable NAME when it is set
  --strict       with -T: an unset variable is an error
  --handlebars   render text files with handlebars instead (environment as context; Node.js only)
A POSIX sh version for containers without Node.js: conlink utils --out DIR`
  static strict = false
  static examples = ['conlink copy -T /files / -- conlink wait -i eth0 -- httpd -f']

  async run(): Promise<void> {
    process.exitCode = await copyMain(this.argv)
  }
}
