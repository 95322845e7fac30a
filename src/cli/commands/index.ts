import type { Command } from 'commander';
import { register as registerTest } from './test.ts';
import { register as registerEval } from './eval.ts';
import { register as registerKeygen } from './keygen.ts';
import { register as registerSign } from './sign.ts';
import { register as registerVerify } from './verify.ts';
import { register as registerNn } from './nn.ts';
import { register as registerRules } from './rules.ts';
import { register as registerAgent } from './agent.ts';
import { register as registerRecord } from './record.ts';
import { register as registerWatch } from './watch.ts';
import { register as registerProfile } from './profile.ts';

/** Every command module's `register`; add one line per command. */
export const commands: Array<(program: Command) => void> = [];
commands.push(registerKeygen); // signing
commands.push(registerSign); // signing
commands.push(registerVerify); // signing
commands.push(registerNn); // signing
commands.push(registerRules); // rule library
commands.push(registerTest); // rule engine
commands.push(registerAgent); // node agent
commands.push(registerEval); // rule engine
commands.push(registerRecord); // kernel tracer
commands.push(registerWatch); // kernel tracer
commands.push(registerProfile); // profile compaction
