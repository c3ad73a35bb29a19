/**
 * The two implementations the behaviour tests run against: ours, and the
 * real express-session 1.19.0 as the reference. A behaviour that holds for
 * one and not the other is a fidelity bug. A suite that runs against ours
 * alone (our stores, the extras, the demo, the attacks of chapter 11) says
 * so in its title: "(ours only)".
 */
import { createRequire } from 'node:module'
import ours from '../../src/index.js'

const require = createRequire(import.meta.url)

/** The session module's shape, which both implementations share. */
export type SessionModule = typeof ours

/** express-session 1.19.0, loaded from node_modules, typed as ours. */
export const upstream = require('express-session') as SessionModule

/** Both implementations, whatever the environment says. */
export const bothImplementations: Array<{ name: string; session: SessionModule }> = [
  { name: 'ours', session: ours },
  { name: 'express-session 1.19.0', session: upstream }
]

/**
 * The implementations the behaviour tests run against, for `describe.each`:
 * both, or only ours when the environment has `ONLY_OURS=1` (`npm run break`
 * breaks only ours, so running express-session too would only cost time).
 */
export const implementations = bothImplementations.filter(
  ({ name }) => name === 'ours' || process.env.ONLY_OURS !== '1'
)
