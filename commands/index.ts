// Every command, by its name on the command line (oclif "explicit" strategy:
// no directory scan at start-up).
import Config from './config.js'
import Copy from './copy.js'
import Down from './down.js'
import Mdc from './mdc.js'
import Net2dot from './net2dot.js'
import Up from './up.js'
import Utils from './utils.js'
import Wait from './wait.js'

export const COMMANDS = {
  config: Config,
  net2dot: Net2dot,
  mdc: Mdc,
  wait: Wait,
  copy: Copy,
  utils: Utils,
  up: Up,
  down: Down,
}
