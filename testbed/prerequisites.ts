// Checks that fail early with the exact missing piece named, instead of a
// confusing error from deep inside a child process later on.
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('the testbed must run as root: it uses chroot and binds loopback addresses other than 127.0.0.1');
  }
}

export function requireCommands(commands: readonly string[]): void {
  const missing = commands.filter((command) => !commandExists(command));
  if (missing.length > 0) throw new Error(`missing command(s) on PATH: ${missing.join(', ')}`);
}

function commandExists(command: string): boolean {
  const directories = (process.env.PATH ?? '').split(delimiter).filter((directory) => directory !== '');
  return directories.some((directory) => {
    try {
      accessSync(join(directory, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export type Endpoint = { address: string; port: number; purpose: string };

/** Every endpoint must be free; the error lists all the taken ones at once. */
export async function requireFreePorts(endpoints: readonly Endpoint[]): Promise<void> {
  const taken: string[] = [];
  for (const endpoint of endpoints) {
    const problem = await bindProblem(endpoint);
    if (problem !== null) taken.push(`${endpoint.address}:${endpoint.port} (${endpoint.purpose}): ${problem}`);
  }
  if (taken.length > 0) {
    throw new Error(`port(s) not free for the testbed; \`ss -ltnp\` shows who holds them:\n  ${taken.join('\n  ')}`);
  }
}

function bindProblem(endpoint: Endpoint): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'EADDRINUSE' ? 'in use' : `${error.code ?? 'error'} ${error.message}`);
    });
    server.listen({ host: endpoint.address, port: endpoint.port, exclusive: true }, () => {
      server.close(() => {
        resolve(null);
      });
    });
  });
}
