export type { AgentAlert, AlertSink, SinkStats, SinkLogger } from './types.ts';
export { nullLogger } from './types.ts';
export { SinkConfigError, DeliveryError } from './errors.ts';
export { computeAlertId } from './id.ts';
export { StdoutSink } from './stdout.ts';
export { FileSink, type FileSinkOptions } from './file.ts';
export { DiskSpool, SpoolInUseError, type DiskSpoolOptions } from './spool.ts';
export { HttpSink, webhookBody, alertmanagerAlert, type HttpSinkOptions } from './http.ts';
export { SyslogSink, formatSyslog, type SyslogSinkOptions } from './syslog.ts';
