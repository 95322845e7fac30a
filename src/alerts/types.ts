/**
 * Alert records, shaped like node-agent's RuntimeAlert JSON (spec rule-engine.md §4.3): a flat
 * object with the BaseRuntimeAlert, RuleAlert and RuntimeAlertK8sDetails parts inlined.
 */

export interface ProcessInfo {
  pid?: number;
  ppid?: number;
  comm?: string;
  pcomm?: string;
  cmdline?: string;
  hardlink?: string;
  path?: string;
  cwd?: string;
  uid?: number;
  gid?: number;
  upperLayer?: boolean;
  childrenMap?: Record<string, ProcessInfo>;
}

export interface ProfileMetadata {
  status: string;
  completion: string;
  name: string;
  failOnProfile: boolean;
  type: number;
  profileDependency: number;
  errorMessage?: string;
}

export interface AlertIdentifiers {
  process?: { name: string; commandLine?: string };
  file?: { name: string; directory: string };
  dns?: { domain: string };
  network?: { dstIP?: string; dstPort?: number; protocol?: string; sourceIP?: string };
  http?: { method?: string; domain?: string; userAgent?: string; endpoint?: string; payload?: string };
}

export interface RuntimeAlert {
  // BaseRuntimeAlert
  alertName: string;
  arguments: Record<string, unknown>;
  infectedPID: number;
  severity: number;
  timestamp: string;
  uniqueID: string;
  profileMetadata?: ProfileMetadata;
  identifiers: AlertIdentifiers;
  // RuleAlert
  ruleDescription: string;
  // RuntimeAlertK8sDetails
  clusterName?: string;
  containerName: string;
  containerID: string;
  hostNetwork?: boolean;
  image?: string;
  imageDigest?: string;
  namespace: string;
  nodeName?: string;
  podName: string;
  podNamespace: string;
  podLabels?: Record<string, string>;
  workloadName?: string;
  workloadNamespace?: string;
  workloadKind?: string;
  // rule and platform
  alertType: number;
  alertSourcePlatform: number;
  ruleID: string;
  isTriggerAlert: boolean;
  hostName: string;
  message: string;
  /** sbob extension: MITRE ATT&CK ids of the rule (node-agent parses but does not emit them). */
  mitreTactic?: string;
  mitreTechnique?: string;
  /** sbob extension: rule tags. */
  ruleTags?: string[];
  /** sbob extension: the triggering event as the rule saw it. */
  event?: Record<string, unknown>;
  runtimeProcessDetails?: { processTree: ProcessInfo; containerID: string; uniqueID?: number };
}
