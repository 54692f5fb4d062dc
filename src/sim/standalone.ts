import { formatError, LabopsError, toLabopsError } from '../errors.js';
import { startSimulator } from './index.js';
import { DEFAULT_ENGINE_VERSION, ENGINE_BUILDS } from './model/api-model.js';
import { simText } from './sim-text.js';
import type { SimEngineVersion } from './types.js';

const USAGE = `usage: npm run sim [-- --engine-version ${Object.keys(ENGINE_BUILDS).join('|')}]
  --engine-version V   the engine version the simulator plays (default ${DEFAULT_ENGINE_VERSION}; env SIM_ENGINE_VERSION)
  env SIM_TIME_SCALE   1 runs at lab pace (default); 0.01 a hundred times faster`;

/** The engine version from `--engine-version V` (or `=V`), else SIM_ENGINE_VERSION, else the default. */
function readEngineVersion(args: string[]): SimEngineVersion {
  let value = process.env.SIM_ENGINE_VERSION;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--engine-version') value = args[++i];
    else if (arg.startsWith('--engine-version=')) value = arg.slice('--engine-version='.length);
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new LabopsError('USAGE', simText(`Unknown argument ${arg}.`), { hint: simText(USAGE) });
  }
  if (value === undefined || value === '') return DEFAULT_ENGINE_VERSION;
  if (!Object.hasOwn(ENGINE_BUILDS, value)) {
    throw new LabopsError('USAGE', simText(`The simulator cannot play engine ${value}.`), {
      hint: simText(USAGE),
    });
  }
  return value as SimEngineVersion;
}

/**
 * `npm run sim`: one simulated lab at lab pace until Ctrl-C. It prints the password on purpose —
 * this is a throwaway local lab and the user needs it to log in (the only place labops prints one).
 */
async function main(): Promise<void> {
  const timeScale = Number(process.env.SIM_TIME_SCALE ?? '1');
  const engineVersion = readEngineVersion(process.argv.slice(2));
  const sim = await startSimulator({ timeScale, engineVersion });
  process.stdout.write(
    [
      'labops lab simulator is up (SIMULATED LAB)',
      `  engine:   ${ENGINE_BUILDS[sim.engineVersion].fullVersion} (--engine-version ${Object.keys(ENGINE_BUILDS).join('|')})`,
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
