import { formatError, toLabopsError } from '../errors.js';
import { startSimulator } from './index.js';

/**
 * `npm run sim`: one simulated lab at lab pace until Ctrl-C. It prints the password on purpose —
 * this is a throwaway local lab and the user needs it to log in (the only place labops prints one).
 */
async function main(): Promise<void> {
  const timeScale = Number(process.env.SIM_TIME_SCALE ?? '1');
  const sim = await startSimulator({ timeScale });
  process.stdout.write(
    [
      'labops lab simulator is up (SIMULATED LAB)',
      `  API URL:  ${sim.apiUrl}`,
      `  CA file:  ${sim.caFile}`,
      `  user:     ${sim.user}`,
      `  password: ${sim.password}`,
      `  machines: ${[...sim.machines.keys()].join(', ')}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    sim.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${formatError(toLabopsError(error))}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${formatError(toLabopsError(error))}\n`);
  process.exit(1);
});
