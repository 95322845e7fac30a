/**
 * Container attribution from cgroup paths. Recognised layouts (cgroup v1 and v2, systemd and
 * cgroupfs drivers):
 *   Docker      /system.slice/docker-<id>.scope, /docker/<id>
 *   containerd  /kubepods.slice/.../cri-containerd-<id>.scope, /kubepods/burstable/pod<uid>/<id>
 *   CRI-O       /kubepods.slice/.../crio-<id>.scope (crio-conmon-<id>.scope is the monitor, not the container)
 *   Podman      /machine.slice/libpod-<id>.scope
 * A process whose cgroup carries no container id is a host process.
 */
export interface CgroupAttribution {
  containerId: string;
  runtime: 'docker' | 'containerd' | 'cri-o' | 'podman' | 'unknown';
  /** a Kubernetes pod container (CRI runtime or a kubepods cgroup), else a standalone container */
  kubernetes: boolean;
}

const PREFIXES: Array<[string, CgroupAttribution['runtime']]> = [
  ['cri-containerd-', 'containerd'], ['docker-', 'docker'], ['crio-', 'cri-o'], ['libpod-', 'podman'],
];

/** Returns the container of a cgroup path (or a leaf name), or undefined for host cgroups. */
export function containerFromCgroupPath(path: string): CgroupAttribution | undefined {
  const segs = path.split('/').filter(Boolean);
  for (let i = segs.length - 1; i >= 0; i--) {
    let seg = segs[i]!;
    if (seg.startsWith('crio-conmon-')) return undefined;
    if (seg.endsWith('.scope')) seg = seg.slice(0, -'.scope'.length);
    let runtime: CgroupAttribution['runtime'] = 'unknown';
    for (const [prefix, rt] of PREFIXES) {
      if (seg.startsWith(prefix)) {
        seg = seg.slice(prefix.length);
        runtime = rt;
        break;
      }
    }
    if (/^[0-9a-f]{64}$/.test(seg)) {
      if (runtime === 'unknown') {
        const parent = segs[i - 1] ?? '';
        if (parent === 'docker') runtime = 'docker';
        else if (parent.startsWith('pod') || segs.some((s) => s.startsWith('kubepods'))) runtime = 'containerd';
      }
      const kubernetes = runtime === 'containerd' || runtime === 'cri-o' || segs.some((s) => s.startsWith('kubepods'));
      return { containerId: seg, runtime, kubernetes };
    }
  }
  return undefined;
}

/** Parses the text of /proc/<pid>/cgroup (all hierarchies) and returns the container, if any. */
export function containerFromProcCgroup(text: string): CgroupAttribution | undefined {
  for (const line of text.split('\n')) {
    const idx = line.indexOf(':', line.indexOf(':') + 1);
    if (idx < 0) continue;
    const found = containerFromCgroupPath(line.slice(idx + 1));
    if (found) return found;
  }
  return undefined;
}
