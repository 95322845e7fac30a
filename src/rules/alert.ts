/**
 * Building the alert record when a rule fires (rule-engine.md §4.1–4.3): node-agent's RuntimeAlert
 * shape, with the per-event-type arguments and identifiers, plus sbob's extensions (MITRE ids,
 * tags, the triggering event).
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { RuntimeEvent } from '../events/index.ts';
import type { AlertIdentifiers, ProcessInfo, ProfileMetadata, RuntimeAlert } from '../alerts/index.ts';
import type { CompiledProfile } from '../profile/index.ts';
import type { CompiledRule } from './compile.ts';
import { getExecPath, isPrivateIP } from './helpers/host.ts';

export function md5Hex(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

const IOURING_OPS: Record<number, string> = {
  0: 'No operation', 1: 'Vectored read', 2: 'Vectored write', 3: 'File sync', 4: 'Read fixed', 5: 'Write fixed',
  6: 'Poll add', 7: 'Poll remove', 8: 'Sync file range', 9: 'Send message', 10: 'Receive message', 11: 'Timeout',
  12: 'Timeout remove', 13: 'Accept', 14: 'Async cancel', 15: 'Link timeout', 16: 'Connect', 17: 'Fallocate',
  18: 'Open file (relative)', 19: 'Close file', 20: 'Files update', 21: 'Statx', 22: 'Read', 23: 'Write',
  24: 'Fadvise', 25: 'Madvise', 26: 'Send', 27: 'Receive', 28: 'Open file (relative, v2)', 29: 'Epoll control',
  30: 'Splice', 31: 'Provide buffers', 32: 'Remove buffers', 33: 'Tee', 34: 'Shutdown', 35: 'Rename',
  36: 'Unlink', 37: 'Make directory', 38: 'Symlink', 39: 'Link',
};

function fileId(path: string): { name: string; directory: string } {
  return { name: posix.basename(path), directory: posix.dirname(path) };
}

function timestampOf(ev: RuntimeEvent, now: number): string {
  const t = ev.timestamp;
  if (typeof t === 'string' && t !== '') {
    const d = new Date(t);
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  if (typeof t === 'number' && t > 0) {
    // nanoseconds, microseconds, milliseconds or seconds since the epoch
    const ms = t > 1e17 ? t / 1e6 : t > 1e14 ? t / 1e3 : t > 1e11 ? t : t * 1000;
    return new Date(ms).toISOString();
  }
  return new Date(now).toISOString();
}

/** Arguments, identifiers and process fields of one event type (§4.2). */
function adapt(ev: RuntimeEvent): { args: Record<string, unknown>; ids: AlertIdentifiers; proc: ProcessInfo } {
  const comm = ev.comm ?? '';
  const proc: ProcessInfo = { comm, pid: ev.pid ?? 0, uid: ev.uid ?? 0, gid: ev.gid ?? 0 };
  const ids: AlertIdentifiers = { process: { name: comm } };
  const args: Record<string, unknown> = {};
  /** process fields of events that carry the executable (kmod, unshare, bpf) */
  const exeProcess = () => ({
    ppid: ev.ppid ?? 0, pcomm: ev.pcomm ?? '', upperLayer: ev.upperlayer === true, path: ev.exepath ?? '', hardlink: ev.exepath ?? '',
  });
  switch (ev.eventType) {
    case 'exec': {
      const argv = ev.args ?? [];
      const exec = argv[0] || comm;
      const path = getExecPath(argv, comm, ev.exepath ?? '');
      args.exec = exec;
      args.args = argv;
      ids.process = { name: comm, commandLine: [exec, ...argv.slice(1)].join(' ') };
      ids.file = fileId(path);
      Object.assign(proc, {
        ppid: ev.ppid ?? 0, pcomm: ev.pcomm ?? '', cwd: ev.cwd ?? '', hardlink: ev.exepath ?? '', path,
        cmdline: [exec, ...argv.slice(1)].join(' '), upperLayer: ev.upperlayer === true || ev.pupperlayer === true,
      });
      break;
    }
    case 'open':
      args.flags = ev.flags ?? [];
      args.path = ev.path ?? '';
      ids.file = fileId(ev.path ?? '');
      break;
    case 'capabilities':
      args.syscall = ev.syscallName ?? '';
      args.capability = ev.capName ?? '';
      break;
    case 'dns':
      args.domain = ev.name ?? '';
      args.addresses = ev.addresses ?? [];
      args.protocol = ev.proto ?? '';
      args.port = ev.dstPort ?? 0;
      ids.dns = { domain: ev.name ?? '' };
      ids.network = { dstIP: ev.addresses?.[0] ?? '', protocol: ev.proto ?? '' };
      Object.assign(proc, { ppid: ev.ppid ?? 0, pcomm: ev.pcomm ?? '', path: ev.exepath ?? '', cwd: ev.cwd ?? '' });
      break;
    case 'network':
      args.ip = ev.dstAddr ?? '';
      args.port = ev.dstPort ?? 0;
      args.proto = ev.proto ?? '';
      ids.network = { dstIP: ev.dstAddr ?? '', dstPort: ev.dstPort ?? 0, protocol: ev.proto ?? '' };
      break;
    case 'syscall':
      args.syscall = ev.syscallName ?? '';
      break;
    case 'symlink':
    case 'hardlink':
      args.oldPath = ev.oldPath ?? '';
      args.newPath = ev.newPath ?? '';
      ids.file = fileId(ev.oldPath ?? '');
      Object.assign(proc, { ppid: ev.ppid ?? 0, upperLayer: ev.upperlayer === true, path: ev.exepath ?? '', hardlink: ev.exepath ?? '' });
      break;
    case 'kmod':
      args.module = ev.module ?? '';
      args.syscall = ev.syscallName ?? '';
      args.exePath = ev.exepath ?? '';
      Object.assign(proc, exeProcess());
      break;
    case 'ssh':
      args.src_ip = ev.srcIp ?? '';
      args.dst_ip = ev.dstIp ?? '';
      args.src_port = ev.srcPort ?? 0;
      args.dst_port = ev.dstPort ?? 0;
      ids.network = { dstIP: ev.dstIp ?? '', dstPort: ev.dstPort ?? 0, protocol: 'ssh' };
      break;
    case 'http': {
      const other = ev.direction === 'inbound' ? ev.srcIp ?? '' : ev.dstIp ?? '';
      args.internal = other !== '' && isPrivateIP(other);
      args.direction = ev.direction ?? '';
      const hdr = ev.request?.headers ?? {};
      const ua = Object.entries(hdr).find(([k]) => k.toLowerCase() === 'user-agent')?.[1];
      ids.process = undefined;
      ids.network = { protocol: 'http' };
      ids.http = { method: ev.request?.method ?? '', domain: ev.request?.host ?? '', userAgent: ua?.[0] ?? '', endpoint: ev.request?.path ?? '' };
      break;
    }
    case 'ptrace':
      ids.file = fileId(ev.exepath ?? '');
      Object.assign(proc, { ppid: ev.ppid ?? 0, path: ev.exepath ?? '' });
      break;
    case 'iouring': {
      const op = IOURING_OPS[ev.opcode ?? -1];
      if (op !== undefined) {
        args.opcode = ev.opcode ?? 0;
        args.flags = ev.flags ?? [];
        args.operation = op;
      }
      break;
    }
    case 'randomx':
      args.ppid = ev.ppid ?? 0;
      break;
    case 'unshare':
    case 'bpf':
      if (ev.eventType === 'bpf') {
        args.cmd = ev.cmd ?? 0;
        args.attrSize = ev.attrSize ?? 0;
      }
      args.exePath = ev.exepath ?? '';
      Object.assign(proc, exeProcess());
      break;
    case 'signature':
      args.object = ev.name ?? '';
      args.file = ev.path ?? '';
      ids.file = fileId(ev.path ?? '');
      break;
  }
  return { args, ids, proc };
}

function profileMetadata(rule: CompiledRule, containerId: string, profile: CompiledProfile | undefined): ProfileMetadata | undefined {
  if (rule.profileDependency > 1) return undefined;
  let type = 0;
  for (const t of rule.tags) {
    if (t === 'applicationprofile') type = 0;
    else if (t === 'networkprofile') type = 1;
  }
  if (!profile) {
    return {
      status: '', completion: '', name: '', failOnProfile: false, type, profileDependency: rule.profileDependency,
      errorMessage: `container ${containerId} not found in container-profile cache`,
    };
  }
  return {
    status: profile.status,
    completion: profile.completion,
    name: profile.origins.map((o) => o.name).join(','),
    failOnProfile: profile.status === 'completed',
    type,
    profileDependency: rule.profileDependency,
  };
}

export interface AlertInput {
  rule: CompiledRule;
  event: RuntimeEvent;
  message: string;
  uniqueId: string;
  profile: CompiledProfile | undefined;
  containerName: string;
  now: number;
  nodeName?: string;
  clusterName?: string;
}

export function buildAlert(a: AlertInput): RuntimeAlert {
  const ev = a.event;
  const { args, ids, proc } = adapt(ev);
  const ns = ev.namespace ?? '';
  const containerId = ev.containerId ?? '';
  const alert: RuntimeAlert = {
    alertName: a.rule.name,
    arguments: { apChecksum: a.profile?.syncChecksum ?? '', message: a.message, ...args },
    infectedPID: ev.pid ?? 0,
    severity: a.rule.severity,
    timestamp: timestampOf(ev, a.now),
    uniqueID: md5Hex(a.uniqueId),
    identifiers: ids,
    ruleDescription: a.message,
    containerName: a.containerName,
    containerID: containerId,
    namespace: ns,
    podName: ev.podName ?? '',
    podNamespace: ns,
    alertType: 0,
    alertSourcePlatform: 1,
    ruleID: a.rule.id,
    isTriggerAlert: a.rule.isTriggerAlert,
    hostName: '',
    message: a.message,
    runtimeProcessDetails: { processTree: proc, containerID: containerId },
  };
  const pm = profileMetadata(a.rule, containerId, a.profile);
  if (pm) alert.profileMetadata = pm;
  if (ev.podLabels) alert.podLabels = ev.podLabels;
  if (ev.image) alert.image = ev.image;
  if (ev.imageDigest) alert.imageDigest = ev.imageDigest;
  if (ev.hostNetwork !== undefined) alert.hostNetwork = ev.hostNetwork;
  if (a.nodeName) alert.nodeName = a.nodeName;
  if (a.clusterName) alert.clusterName = a.clusterName;
  if (a.rule.def.mitreTactic) alert.mitreTactic = a.rule.def.mitreTactic;
  if (a.rule.def.mitreTechnique) alert.mitreTechnique = a.rule.def.mitreTechnique;
  if (a.rule.tags.length) alert.ruleTags = a.rule.tags;
  alert.event = { ...ev };
  return alert;
}
