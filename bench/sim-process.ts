/**
 * The simulator as a process apart from the bot (design.md, Benchmarks). Prints one JSON line with
 * its URLs, CA and throwaway credentials on stdout, then runs until stdin closes.
 * Arguments: --time-scale N, --latency-ms N; --hosts N (hypervisors hyper1…hyperN, default the
 * seed's two) and --address A (a loopback address to listen on, default 127.0.0.1) for the many
 * labs of bench/labs.ts, whose lab file needs each engine at its own address (issue 13 §1).
 */
import { startSimulator } from '../src/sim/index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function textArg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const hosts = arg('--hosts', 0);
const address = textArg('--address');
const sim = await startSimulator({
  timeScale: arg('--time-scale', 0.002),
  ...(address !== undefined ? { host: address } : {}),
  ...(hosts > 0
    ? {
        seed: {
          hypervisors: Array.from({ length: hosts }, (_, i) => ({
            name: `hyper${i + 1}`,
            address: `hyper${i + 1}.abc.local`,
          })),
        },
      }
    : {}),
});
sim.knobs.setLatency(arg('--latency-ms', 0));
process.stdout.write(
  `${JSON.stringify({ baseUrl: sim.baseUrl, caFile: sim.caFile, caPem: sim.caPem, user: sim.user, password: sim.password, timing: sim.timing })}\n`,
);
process.stdin.resume();
process.stdin.on('end', () => {
  void sim.close().then(() => process.exit(0));
});
