/** stdio layouts for traced commands. */
export type RunStdio = 'inherit' | 'ignore' | 'pipe' | 'stdout-to-stderr';

/** stdin, stdout, stderr for spawn(). */
export function stdioFor(mode: RunStdio): ['inherit' | 'ignore', 'inherit' | 'ignore' | 'pipe' | number, 'inherit' | 'ignore' | 'pipe'] {
  switch (mode) {
    case 'pipe':
      return ['ignore', 'pipe', 'pipe'];
    case 'ignore':
      return ['ignore', 'ignore', 'ignore'];
    case 'stdout-to-stderr':
      return ['inherit', 2, 'inherit'];
    default:
      return ['inherit', 'inherit', 'inherit'];
  }
}
