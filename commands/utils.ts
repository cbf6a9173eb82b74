import { Flags } from '@oclif/core'
import { ConlinkCommand } from '../src/cli.js'
import { installShTools } from '../src/tools/install.js'

export default class Utils extends ConlinkCommand {
  static summary = 'Copy the POSIX sh versions of wait and copy (wait.sh, copy.sh) into a directory'
  static description = 'For containers without Node.js: mount the directory and run /scripts/wait.sh or /scripts/copy.sh.'
  static flags = {
    out: Flags.string({ char: 'o', description: 'directory to write wait.sh and copy.sh into', required: true }),
  }
  static examples = ['conlink utils --out ./scripts']

  async run(): Promise<void> {
    const { flags } = await this.parse(Utils)
    for (const file of installShTools(flags.out)) this.log(file)
  }
}
