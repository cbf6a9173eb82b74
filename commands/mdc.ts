import { Args } from '@oclif/core'
import { OwnArgvCommand } from '../src/cli.js'
import { MDC_USAGE, mdcMain } from '../src/compose/mdc.js'

export default class Mdc extends OwnArgvCommand {
  static summary = 'Modular compose: resolve modes, merge their env files and files/, then run docker compose'
  static usage = MDC_USAGE
  static description = `MODES is a comma (or space) separated list of mode directories found in MODES_DIR.
Settings from the environment: MODES_DIR (default ./modes, colon separated list), ENV_FILE (default .env),
MDC_FILES_DIR (default ./.files), DOCKER_COMPOSE, MDC_DRY_RUN, VERBOSE.
Everything after MODES is passed to docker compose (put -- after MODES to pass --help to compose).`
  static args = {
    MODES: Args.string({ description: 'modes to combine, comma separated (their deps are added)', required: true }),
    COMPOSE_ARGS: Args.string({ description: 'the docker compose command and its arguments (up, down, config, ...)' }),
  }
  static examples = ['MODES_DIR=./modes:./examples/test4/modes mdc all up --build --force-recreate', 'mdc --dry-run node1,web config']

  async run(): Promise<void> {
    process.exitCode = await mdcMain(this.ownArgv())
  }
}
