/** Best-effort reads of /proc for facts the kernel records do not carry (cwd, fd paths, cgroups). */
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';

export interface ProcReader {
  cwd(pid: number): string | undefined;
  fdPath(pid: number, fd: number): string | undefined;
  cgroup(pid: number): string | undefined;
  exe(pid: number): string | undefined;
  /** Resolves symlinks of a host path (for host processes' exec paths). */
  realpath(path: string): string | undefined;
}

function tryRead<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

export function hostProcReader(proc = '/proc'): ProcReader {
  const real = new Map<string, string | undefined>();
  return {
    cwd: (pid) => tryRead(() => readlinkSync(`${proc}/${pid}/cwd`)),
    fdPath: (pid, fd) => tryRead(() => readlinkSync(`${proc}/${pid}/fd/${fd}`)),
    cgroup: (pid) => tryRead(() => readFileSync(`${proc}/${pid}/cgroup`, 'utf8')),
    exe: (pid) => tryRead(() => readlinkSync(`${proc}/${pid}/exe`)),
    realpath: (p) => {
      if (real.has(p)) return real.get(p);
      const r = tryRead(() => realpathSync(p));
      if (real.size > 10000) real.clear();
      real.set(p, r);
      return r;
    },
  };
}

/** A reader that knows nothing (tests, replays). */
export const nullProcReader: ProcReader = {
  cwd: () => undefined, fdPath: () => undefined, cgroup: () => undefined, exe: () => undefined, realpath: () => undefined,
};
