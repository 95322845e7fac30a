/** Prometheus metrics of the agent (one registry per agent instance). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class AgentMetrics {
  readonly registry = new Registry();
  readonly events = new Counter({ name: 'sbob_events_total', help: 'Events evaluated, by event type', labelNames: ['type'], registers: [this.registry] });
  readonly eventsDropped = new Counter({ name: 'sbob_events_dropped_total', help: 'Events dropped before evaluation because the input queue was full (reason=queue_full)', labelNames: ['reason'], registers: [this.registry] });
  readonly badEvents = new Counter({ name: 'sbob_events_invalid_total', help: 'Input lines/events that could not be parsed, by source', labelNames: ['source'], registers: [this.registry] });
  readonly alerts = new Counter({ name: 'sbob_alerts_total', help: 'Alerts produced, by rule id', labelNames: ['rule_id'], registers: [this.registry] });
  readonly rejected = new Counter({ name: 'sbob_objects_rejected_total', help: 'Objects refused by the verification gate or the loader, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly objectsLoaded = new Gauge({ name: 'sbob_objects_loaded', help: 'Objects in force, by kind', labelNames: ['kind'], registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'sbob_queue_depth', help: 'Events waiting in the input queue', registers: [this.registry] });
  readonly queueCapacity = new Gauge({ name: 'sbob_queue_capacity', help: 'Capacity of the input queue', registers: [this.registry] });
  readonly evalErrors = new Counter({ name: 'sbob_evaluation_errors_total', help: 'Events whose evaluation threw', registers: [this.registry] });
  readonly evalLatency = new Histogram({
    name: 'sbob_evaluation_duration_seconds',
    help: 'Time to evaluate one event through the rule pipeline',
    buckets: [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly sinkDelivered = new Gauge({ name: 'sbob_sink_delivered_alerts', help: 'Alerts delivered, by sink', labelNames: ['sink'], registers: [this.registry] });
  readonly sinkDropped = new Gauge({ name: 'sbob_sink_dropped_alerts', help: 'Alerts dropped by a full sink buffer/spool, by sink', labelNames: ['sink'], registers: [this.registry] });
  readonly sinkFailures = new Gauge({ name: 'sbob_sink_failures', help: 'Failed delivery attempts, by sink', labelNames: ['sink'], registers: [this.registry] });
  readonly sinkPending = new Gauge({ name: 'sbob_sink_pending_alerts', help: 'Alerts accepted but not yet delivered (spooled), by sink', labelNames: ['sink'], registers: [this.registry] });
  readonly sourceLost = new Gauge({ name: 'sbob_source_lost_events', help: 'Events a source reported lost (bad lines, ring-buffer overruns), by source', labelNames: ['source'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sbob_' });
  }
}
