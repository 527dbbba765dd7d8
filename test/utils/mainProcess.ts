/**
 * Runs `node dist/main.js` (build first: `npm test` does) as an operator
 * would, configured only through its environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface MainProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Exit code and signal. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** The first log line saying where the gateway listens. */
  listening(
    timeoutMs?: number,
  ): Promise<{ url: string; graph: string; msg: string }>;
}

/** Starts the built entry point with exactly `env` (plus `PATH`). */
export function startMainProcess(env: Record<string, string>): MainProcess {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: npm run build`);
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as MainProcess['exited'];
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    async listening(timeoutMs = 15_000) {
      for (let waited = 0; waited < timeoutMs; waited += 50) {
        const line = stdout.split('\n').find((l) => l.includes('listening'));
        if (line)
          return JSON.parse(line) as Awaited<
            ReturnType<MainProcess['listening']>
          >;
        if (child.exitCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`The gateway did not start: ${stderr || stdout}`);
    },
  };
}
