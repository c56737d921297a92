/** Every `gradloc` command, in the order `gradloc --help` lists them. */
import type { Command } from '../command.js';
import { demoCommand } from './demo.js';
import { gradCommand } from './grad.js';

export const COMMANDS: readonly Command[] = [gradCommand, demoCommand];
