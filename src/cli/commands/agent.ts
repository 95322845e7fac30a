/** `sbob agent`: the node agent (see docs/agent.md). */
import { Option, type Command } from 'commander';
import { CliError } from '../errors.ts';
import { Agent, AgentConfigError, AgentError, resolveConfig, type AgentFlags } from '../../agent/index.ts';
import { PolicyError } from '../../signing/index.ts';
import { SpoolInUseError } from '../../alerts/sinks/index.ts';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function register(program: Command): void {
  program
    .command('agent')
    .description('run the node agent: load and verify objects from a directory, evaluate events, deliver alerts')
    .option('-c, --config <file>', 'agent config YAML (every option below overrides its config key)')
    .option('--objects <dir>', 'object directory: profiles, Rules, bindings, trust policies (objects.dir)')
    .option('--no-watch', 'load the object directory once, do not watch it (objects.watch)')
    .option('--debounce-ms <ms>', 'debounce for file-change events (objects.debounceMs, default 150)')
    .option('--rescan-interval-ms <ms>', 'periodic rescan of the object directory, 0 = off (objects.rescanIntervalMs, default 30000)')
    .addOption(new Option('--verification <mode>', 'verification gate (verification.mode, default strict)').choices(['strict', 'allow-unsigned', 'off']))
    .option('--trust-policy <file>', 'trust policy file (verification.trustPolicy); else TrustPolicy objects in the object directory')
    .option('--events <file>', 'NDJSON event file to replay, - for stdin (repeatable; sources: [{type: ndjson, path}])', collect)
    .option('--source <type>', 'event source type registered by a module, e.g. kernel (repeatable)', collect)
    .option('--queue-capacity <n>', 'bounded event queue capacity (queue.capacity, default 10000)')
    .addOption(new Option('--queue-overflow <mode>', 'when the queue is full: drop (count) or block the source; auto = block for NDJSON files, drop otherwise (queue.overflow)').choices(['auto', 'drop', 'block']))
    .option('--no-cooldown', 'disable alert cooldown/dedup (engine.cooldown.disabled)')
    .option('--cooldown-duration-ms <ms>', 'cooldown window (engine.cooldown.durationMs, default 3600000)')
    .option('--cooldown-after-count <n>', 'alerts let through per key and window (engine.cooldown.afterCount, default 1)')
    .option('--cooldown-max-size <n>', 'cooldown entries kept (engine.cooldown.maxSize, default 10000)')
    .option('--max-containers <n>', 'containers remembered from events (engine.maxContainers, default 50000)')
    .addOption(new Option('--semantics <mode>', 'matching semantics: sbob (ports and :0 honoured) or upstream (engine.semantics, default sbob)').choices(['sbob', 'upstream']))
    .option('--host-monitoring', 'evaluate events of host processes, e.g. from the kernel source (engine.hostMonitoring)')
    .option('--api-server <ip>', 'Kubernetes API server address for k8s.is_api_server_address (engine.apiServerAddress, default $KUBERNETES_SERVICE_HOST)')
    .option('--stdout', 'add the stdout sink: alerts as JSON lines (default when no sink is configured)')
    .option('--alerts-file <file>', 'add an NDJSON file sink, rotated by size')
    .option('--alerts-file-max-bytes <n>', 'rotation size of --alerts-file (default 10485760)')
    .option('--alerts-file-max-files <n>', 'rotated files kept for --alerts-file (default 5)')
    .option('--webhook <url>', 'add an HTTP webhook sink (node-agent RuntimeAlerts JSON; repeatable)', collect)
    .option('--webhook-header <name=value>', 'header for --webhook requests (repeatable)', collect)
    .addOption(new Option('--webhook-method <method>', 'HTTP method of --webhook requests (default POST)').choices(['POST', 'PUT']))
    .option('--alertmanager <url>', 'add an Alertmanager sink (base URL; posts /api/v2/alerts; repeatable)', collect)
    .option('--webhook-batch <n>', 'alerts per request of --webhook/--alertmanager sinks (default 100)')
    .option('--webhook-batch-wait-ms <ms>', 'wait for a partial batch to fill, --webhook/--alertmanager (default 200)')
    .option('--http-timeout-ms <ms>', 'request timeout of --webhook/--alertmanager sinks (default 5000)')
    .option('--http-initial-backoff-ms <ms>', 'first retry delay of --webhook/--alertmanager sinks (default 500)')
    .option('--http-max-backoff-ms <ms>', 'retry delay cap of --webhook/--alertmanager sinks (default 30000)')
    .option('--spool-max-bytes <n>', 'bound of the on-disk spool of each --webhook/--alertmanager sink (default 104857600)')
    .option('--syslog <url>', 'add a syslog sink: udp://host:port or tcp://host:port (RFC 5424; repeatable)', collect)
    .option('--syslog-facility <n>', 'syslog facility of --syslog sinks (default 1, user)')
    .option('--syslog-max-pending <n>', 'TCP: alerts buffered while the collector is unreachable (default 10000)')
    .option('--state-dir <dir>', 'directory for the HTTP sink spools (stateDir, default $TMPDIR/sbob-agent)')
    .option('--listen <host:port>', 'ops server for /metrics, /healthz, /readyz; "" disables (server.listen, default 127.0.0.1:9090)')
    .addOption(new Option('--log-level <level>', 'JSON log level on stderr (log.level, default info)').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']))
    .option('--flush-timeout-ms <ms>', 'how long shutdown waits for sinks to deliver (shutdown.flushTimeoutMs, default 10000)')
    .option('--no-exit-on-end', 'keep running after every source has ended (exitOnSourcesEnd)')
    .option('--node-name <name>', 'nodeName put into alerts (default env NODE_NAME)')
    .option('--cluster-name <name>', 'clusterName put into alerts (default env CLUSTER_NAME)')
    .action(async (flags: AgentFlags) => {
      let cfg;
      try {
        cfg = resolveConfig(flags);
      } catch (err) {
        if (err instanceof AgentConfigError) throw new CliError(err.message, 2);
        throw err;
      }
      let agent: Agent;
      try {
        agent = new Agent(cfg);
        process.exitCode = await agent.run();
      } catch (err) {
        if (err instanceof AgentConfigError || err instanceof AgentError || err instanceof PolicyError || err instanceof SpoolInUseError) throw new CliError(err.message, 2);
        throw err;
      }
    });
}
