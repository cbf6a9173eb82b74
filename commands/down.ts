import { Flags } from '@oclif/core'
import { ConlinkCommand } from '../src/cli.js'

export default class Down extends ConlinkCommand {
  static summary = 'Stop and remove a network container started by `conlink up` on a host'
  static description = `Stops the container (conlink inside removes its links and bridges on SIGTERM, within --timeout seconds) and removes it.`

  static examples = ['conlink down', 'conlink down --name net1 --mode podman']

  static flags = {
    name: Flags.string({ description: 'network container name', default: 'conlink' }),
    mode: Flags.string({ options: ['docker', 'podman'], default: 'docker', description: 'engine that runs the network container' }),
    timeout: Flags.integer({ description: 'seconds to wait for a clean stop before killing', default: 30, min: 0 }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Down)
    await (await import('../src/launcher/index.js')).stopNetworkContainer({ name: flags.name, mode: flags.mode as 'docker' | 'podman', stopTimeout: flags.timeout })
  }
}
