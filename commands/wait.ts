import { Args } from '@oclif/core'
import { OwnArgvCommand } from '../src/cli.js'
import { WAIT_USAGE, waitMain } from '../src/tools/wait.js'

export default class Wait extends OwnArgvCommand {
  static summary = 'Wait for files, interfaces, addresses, TCP ports or commands, then run a command'
  static usage = WAIT_USAGE
  static description = `Conditions are checked in the order given, each retried every WAIT_SLEEP seconds (default 1, -s changes it).
  -f|--file FILE          FILE exists
  -i|--if|--intf IF       interface IF exists
  -I|--ip IF              IF has a route (an IP address)
  -t|--tcp HOST:PORT      a TCP connection succeeds
  -c|--cmd|--command CMD  sh -c CMD exits 0
  -u|--umask MASK         set the umask
  -s|--sleep SECS         retry interval
  --timeout SECS          give up (exit 1) after SECS in total
A POSIX sh version for containers without Node.js: conlink utils --out DIR`
  static args = {
    COMMAND: Args.string({ description: 'after --: run this command (with its ARGS) once every condition holds; its exit code is wait\'s' }),
  }
  static examples = ['conlink wait -i eth0 -I eth0 -t server:80 --timeout 60 -- wget -O- http://server/']

  async run(): Promise<void> {
    process.exitCode = await waitMain(this.ownArgv())
  }
}
