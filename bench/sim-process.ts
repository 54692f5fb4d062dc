/**
 * The simulator as a process apart from the bot (design.md, Benchmarks). Prints one JSON line with
 * its URLs, CA and throwaway credentials on stdout, then runs until stdin closes.
 * Arguments: --time-scale N, --latency-ms N.
 */
import { startSimulator } from '../src/sim/index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const sim = await startSimulator({ timeScale: arg('--time-scale', 0.002) });
sim.knobs.setLatency(arg('--latency-ms', 0));
process.stdout.write(
  `${JSON.stringify({ baseUrl: sim.baseUrl, caFile: sim.caFile, caPem: sim.caPem, user: sim.user, password: sim.password, timing: sim.timing })}\n`,
);
process.stdin.resume();
process.stdin.on('end', () => {
  void sim.close().then(() => process.exit(0));
});
