import { Flags } from '@oclif/core'
import { ConlinkCommand } from '../src/cli.js'
import { controlFlags } from '../src/control/command.js'
import { log } from '../src/log.js'

export default class Web extends ConlinkCommand {
  static summary = 'Serve a live picture of the running network: links coloured by state, counters, down/up/impair actions'
  static description = `Runs on the host: finds the network container like the other control commands (-p/--project and --service,
or --container) and talks to it through the engine's exec API. Listens on loopback only unless --listen names another
address (then it warns: anyone who reaches that address can change the network).`
  static examples = ['conlink web -p demo', 'conlink web --container conlink --listen 127.0.0.1:9000']
  static flags = {
    ...controlFlags,
    listen: Flags.string({ description: 'HOST:PORT to listen on', default: '127.0.0.1:8088' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Web)
    const { parseListen, isLoopback, startWeb } = await import('../src/control/web.js')
    const { findNetworkContainerOf } = await import('../src/control/host.js')
    const listen = parseListen(flags.listen)
    if (!isLoopback(listen.host)) log.warn(`listening on ${flags.listen}, not loopback: anyone who reaches it can see and change the network`)
    const target = await findNetworkContainerOf(flags)
    const server = await startWeb({ target, listen, innerFlags: ['--control-socket', flags['control-socket']] })
    log.info(`conlink web for ${target.name} listening on ${server.url} (Ctrl-C stops)`)
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'))
      process.once('SIGTERM', () => resolve('SIGTERM'))
    })
    log.detail(`${signal}: stopping`)
    await server.close()
  }
}
