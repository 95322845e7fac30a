/** Multi-document YAML output of a recording. */
import { stringify } from 'yaml';
import type { ApplicationProfile, NetworkNeighborhood } from '../../model/index.ts';

export function profilesToYaml(ap: ApplicationProfile, nn: NetworkNeighborhood, header?: string[]): string {
  const head = (header ?? []).map((l) => `# ${l}\n`).join('');
  return `${head}${stringify(ap, { lineWidth: 0 })}---\n${stringify(nn, { lineWidth: 0 })}`;
}
