/** Every `gradloc` command, in the order `gradloc --help` lists them. */
import type { Command } from '../command.js';
import { camCommand } from './cam.js';
import { clipExplainCommand } from './clip-explain.js';
import { demoCommand } from './demo.js';
import { detectCommand } from './detect.js';
import { evalPplCommand } from './eval-ppl.js';
import { exportHfCommand } from './export-hf.js';
import { localizeCommand } from './localize.js';
import { makeGptCommand } from './make-gpt.js';
import { gfnCommand } from './gfn.js';
import { gradCommand } from './grad.js';
import { quantizeCommand } from './quantize.js';
import { sgtmCommand } from './sgtm.js';
import { trainCommand } from './train.js';
import { vpsCommand } from './vps.js';
import { zooCommand } from './zoo.js';

export const COMMANDS: readonly Command[] = [gradCommand, camCommand, clipExplainCommand, trainCommand, zooCommand, evalPplCommand, quantizeCommand, makeGptCommand, exportHfCommand, detectCommand, vpsCommand, sgtmCommand, localizeCommand, gfnCommand, demoCommand];
