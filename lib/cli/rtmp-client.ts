#!/usr/bin/env node
/** `rtmp-client` entry point: see client-cli.ts and `rtmp-client --help`. */
import { runClientCli } from './client-cli.js';

// Explicit exit: the connection and timers are closed by then; stdout (FLV) is flushed by runClientCli.
process.exit(await runClientCli(process.argv.slice(2)));
