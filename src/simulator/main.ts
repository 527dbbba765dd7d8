/**
 * The simulator's CLI: `npm run simulator`. Settings come from environment
 * variables (see README.md); it logs its base URL and stops cleanly on
 * SIGTERM and SIGINT.
 */
import { createLogger } from '../logger.js';
import { optionsFromEnv, SimulatorConfigError } from './optionsFromEnv.js';
import { startSimulator } from './startSimulator.js';

async function main(): Promise<void> {
  let options;
  try {
    options = optionsFromEnv(process.env);
  } catch (error) {
    if (!(error instanceof SimulatorConfigError)) throw error;
    // One plain line, before any logger exists, so a typo reads at a glance.
    process.stderr.write(`simulator: ${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger({ level: options.logLevel });
  const simulator = await startSimulator({ ...options, logger });
  logger.info(
    {
      baseUrl: simulator.baseUrl,
      tenants: options.tokens
        ? [...new Set(Object.values(options.tokens))]
        : ['default'],
      uploadMs: options.uploadMs,
    },
    `Graph simulator listening on ${simulator.baseUrl}`,
  );
  const stop = (signal: string): void => {
    logger.info({ signal }, 'Graph simulator stopping');
    void simulator.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main().catch((error: unknown) => {
  process.stderr.write(
    `simulator: failed to start: ${(error as Error).message}\n`,
  );
  process.exit(1);
});
