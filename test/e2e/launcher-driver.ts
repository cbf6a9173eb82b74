// Runs launchNetworkContainer in its own process (so a test can signal it and read its output).
// Usage: node --import tsx launcher-driver.ts '<LaunchOptions as JSON>'
import { describeError } from '../../src/errors.js'
import { launchNetworkContainer } from '../../src/launcher/index.js'

try {
  process.exitCode = await launchNetworkContainer(JSON.parse(process.argv[2]))
} catch (err) {
  process.stderr.write(`ERROR: ${describeError(err)}\n`)
  process.exitCode = 1
}
