export { Agent, directTamperAlert, type AgentOptions } from './agent.ts';
export { resolveConfig, loadConfigFile, parseConfig, defaultConfig, type AgentConfig, type AgentFlags, type SinkConfig, type SourceConfig } from './config.ts';
export { AgentConfigError, AgentError } from './errors.ts';
export { BoundedQueue } from './queue.ts';
export { AgentMetrics } from './metrics.ts';
export { ObjectStore, type Rejection, type ObjectEntry } from './objects.ts';
export { VerificationGate, type GateResult, type GateStatus } from './verify.ts';
export { OPTIONAL_SOURCE_MODULES } from './sources.ts';
