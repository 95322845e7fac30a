/** Password input for encrypted keys: COSIGN_PASSWORD, or an interactive prompt on a terminal. */
import { createInterface } from 'node:readline';
import { WrongPasswordError } from './errors.ts';

export async function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  const output = process.stderr;
  if (!input.isTTY) throw new WrongPasswordError('no password: set COSIGN_PASSWORD (stdin is not a terminal, so sbob cannot ask)');
  const rl = createInterface({ input, output, terminal: true });
  const writeOrig = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
  let asked = false;
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (!asked) {
      writeOrig.call(rl, s);
      asked = true;
    }
  };
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
    output.write('\n');
  }
}

/** The password from COSIGN_PASSWORD, else asked once (twice with confirmation when `confirm`). */
export async function getPassword(purpose: string, confirm = false): Promise<string> {
  const env = process.env.COSIGN_PASSWORD;
  if (env !== undefined) return env;
  const pw = await promptHidden(`Enter password for ${purpose}: `);
  if (confirm) {
    const again = await promptHidden('Enter password again: ');
    if (again !== pw) throw new WrongPasswordError('the two passwords do not match');
  }
  return pw;
}
