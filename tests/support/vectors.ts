/**
 * The one loader for the conformance vectors in `../shared/vectors/` (beside this repository, as
 * in CI), so every suite reads the same files and none keeps a copy that could drift.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SHARED_VECTORS_DIR = resolve(import.meta.dirname, '../../../shared/vectors');

/** Parses `../shared/vectors/<name>`; a clear error if the folder is missing. */
export function readSharedVectors<T>(name: string): T {
  const path = join(SHARED_VECTORS_DIR, name);
  if (!existsSync(path))
    throw new Error(
      `Conformance vectors not found at ${path}: clone the project with ../shared beside it.`,
    );
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
