/**
 * Part 4: start-up, from spawning `node dist/main.js` to the first answered
 * query (one image by id, so Graph is reached too). Internal to `bench/`.
 */
import { startServer, type Placement } from './processes.js';
import { requestBodies } from './queries.js';
import { gatewaySpec } from './servers.js';
import { median } from './stats.js';

/** Start-up times of separate gateway processes, in milliseconds. */
export interface StartupResult {
  runsMs: number[];
  medianMs: number;
  maxMs: number;
}

/** Starts the gateway `runs` times, one at a time. */
export async function measureStartup(options: {
  graphBaseUrl: string;
  singleId: string;
  runs: number;
  placement: Placement;
}): Promise<StartupResult> {
  const probe = requestBodies(options.singleId).single;
  const runsMs: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const gateway = await startServer(
      gatewaySpec(options.graphBaseUrl, options.placement.server, probe),
    );
    runsMs.push(gateway.startupMs);
    await gateway.stop();
  }
  return {
    runsMs,
    medianMs: median(runsMs),
    maxMs: Math.max(...runsMs),
  };
}
