#!/usr/bin/env node
// The `ckm-server` command: runs server/main.ts (TypeScript) through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../server/main.ts');
