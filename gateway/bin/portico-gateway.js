#!/usr/bin/env node
// Runs the agent's TypeScript entry point through tsx's loader (no build step needed).
import { register } from 'tsx/esm/api';

register();
await import('../src/agent/main.ts');
