/** Invalid agent configuration: names the config file (or `--flag`) and the field. */
export class AgentConfigError extends Error {
  constructor(readonly where: string, readonly field: string, detail: string) {
    super(`${where}: field ${field}: ${detail}`);
    this.name = 'AgentConfigError';
  }
}

/** A fatal runtime error of the agent (cannot bind the metrics port, a source failed, ...). */
export class AgentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentError';
  }
}
