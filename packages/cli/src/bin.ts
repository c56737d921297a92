#!/usr/bin/env node
/** The `gradloc` executable. Sets the exit code instead of calling process.exit so stdout drains. */
import { processIo } from './command.js';
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2), processIo);
