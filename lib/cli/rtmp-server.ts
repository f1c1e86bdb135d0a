#!/usr/bin/env node
/** `rtmp-server` entry point: see server-cli.ts and `rtmp-server --help`. */
import { runServerCli } from './server-cli.js';

// Explicit exit: a second SIGINT/SIGTERM must end the process even with sockets still open.
process.exit(await runServerCli(process.argv.slice(2)));
