/**
 * `npm start`: reads the environment, starts the gateway (and, with nothing
 * configured, the embedded simulator) and closes it on SIGTERM or SIGINT.
 */
import { createLogger } from './logger.js';
import { ConfigError, createGateway, loadConfig } from './server/index.js';
import { installShutdownHandlers } from './server/shutdown.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      // One line, no stack: the person starting the gateway fixes a setting.
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({
    level: config.logLevel,
    pretty: config.logPretty,
  });
  const gateway = await createGateway(config, { logger });
  logger.info(
    {
      url: gateway.url,
      wsUrl: gateway.wsUrl,
      graph: gateway.graphBaseUrl,
      auth: config.auth.mode,
      callerAuth: config.callerAuth.mode,
      graphiql: config.graphiql,
    },
    gateway.simulator
      ? `gateway listening at ${gateway.url} over the embedded simulator ` +
          `at ${gateway.simulator.baseUrl}`
      : `gateway listening at ${gateway.url}`,
  );

  installShutdownHandlers(gateway, {
    logger,
    deadlineMs: config.shutdownDeadlineMs,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `The gateway failed to start: ${
      error instanceof Error ? error.message : String(error)
    }\n`,
  );
  process.exit(1);
});
