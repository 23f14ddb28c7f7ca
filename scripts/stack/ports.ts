/**
 * Checks, before anything starts, that the ports the stack needs are free, so a clash is reported
 * by name and port instead of as a child's crash halfway through start-up.
 * @module
 */
import { createServer } from 'node:net';

export type PortClaim = { readonly port: number; readonly service: string };

export class PortInUseError extends Error {
  override name = 'PortInUseError';
  constructor(
    readonly host: string,
    readonly port: number,
    readonly service: string,
  ) {
    super(
      `Port ${port} on ${host} (for ${service}) is already in use. Stop whatever holds it ` +
        `(another "npm start"?) and try again.`,
    );
  }
}

/** Resolves if `host:port` can be bound right now, rejects with {@link PortInUseError} if not. */
export function assertPortFree(host: string, claim: PortClaim): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new PortInUseError(host, claim.port, claim.service)
          : error,
      ),
    );
    probe.listen({ host, port: claim.port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export async function assertPortsFree(host: string, claims: readonly PortClaim[]): Promise<void> {
  for (const claim of claims) await assertPortFree(host, claim);
}
