import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/ckm-server.mjs', ...args], { cwd: ROOT, encoding: 'utf8' });

describe('ckm-server command line', { timeout: 30_000 }, () => {
  it('--help prints the usage and exits 0', () => {
    const result = run('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage:');
    expect(result.stdout).toContain('--database-url');
  });

  it('refuses an unknown option and a missing port, with exit code 1', () => {
    const unknown = run('--bogus');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('ckm-server:');
    const noPort = run('--data', '/tmp/x');
    expect(noPort.status).toBe(1);
    expect(noPort.stderr).toContain('--port');
  });

  it('refuses limits the identity document could not state', () => {
    const tooMany = run('--port', '1', '--data', '/tmp/x', '--max-sessions-per-wallet', '5000');
    expect(tooMany.status).toBe(1);
    expect(tooMany.stderr).toContain('--max-sessions-per-wallet expected an integer in 1..1000');
  });
});
