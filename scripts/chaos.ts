// `npm run chaos`: random operations against the simulated lab, invariants checked after each,
// violations shrunk (test/chaos/cli.ts). Exit 0 when no invariant broke.
import { main } from '../test/chaos/cli.js';

process.exitCode = await main(process.argv.slice(2));
