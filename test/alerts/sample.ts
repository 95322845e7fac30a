import type { AgentAlert } from '../../src/alerts/sinks/types.ts';

/** A representative alert for sink tests. */
export function sampleAlert(i = 0, over: Partial<AgentAlert> = {}): AgentAlert {
  return {
    alertName: 'Unexpected process launched',
    arguments: { apChecksum: '', message: `Unexpected process launched: sh ${i}` },
    infectedPID: 100 + i,
    severity: 1,
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i % 1000)).toISOString(),
    uniqueID: `u${i}`,
    identifiers: { process: { name: 'sh' } },
    ruleDescription: `Unexpected process launched: sh ${i}`,
    containerName: 'web',
    containerID: 'c0ffee',
    namespace: 'shop',
    podName: 'web-1',
    podNamespace: 'shop',
    alertType: 0,
    alertSourcePlatform: 1,
    ruleID: 'R0001',
    isTriggerAlert: true,
    hostName: '',
    message: `Unexpected process launched: sh ${i}`,
    runtimeProcessDetails: { processTree: { pid: 100 + i, ppid: 1, comm: 'sh', pcomm: 'bash', uid: 0, gid: 0 }, containerID: 'c0ffee' },
    alertId: `id-${String(i).padStart(6, '0')}`,
    ...over,
  };
}
