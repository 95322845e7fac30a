/**
 * HTTP endpoint strings (`:<port><path>`, spec profiles.md §2.3) and sbob's endpoint matching.
 */
import { compareDynamic, compileDynamic } from './path.ts';

/** The port that storage uses to fold sibling ports ("any port"). */
export const WILDCARD_PORT = '0';

/**
 * Storage `splitEndpointPortAndPath`: `:80/x` → {port: "80", path: "/x"}; `:80` → path `/`; an endpoint
 * without a leading `:` has an empty port and its text (with a `/` put in front if missing) as path.
 */
export function splitEndpointPortAndPath(endpoint: string): { port: string; path: string } {
  if (endpoint.startsWith(':')) {
    const slash = endpoint.indexOf('/');
    if (slash < 0) return { port: endpoint.slice(1), path: '/' };
    return { port: endpoint.slice(1, slash), path: endpoint.slice(slash) };
  }
  if (endpoint.startsWith('/')) return { port: '', path: endpoint };
  return { port: '', path: '/' + endpoint };
}

export interface CompareEndpointOptions {
  /**
   * sbob extension: a pattern whose port is `0` matches the same path on any port. Upstream node-agent
   * compares `:0` literally (rule-engine.md §2.3), which corresponds to `wildcardPort: false`.
   */
  wildcardPort: boolean;
}

/**
 * Matches an observed endpoint against a profile endpoint with `CompareDynamic` over the whole string.
 * With `wildcardPort`, a `:0` pattern matches the observed path on every port (including no port).
 */
export function compareEndpoint(pattern: string, observed: string, opts: CompareEndpointOptions): boolean {
  if (compareDynamic(pattern, observed)) return true;
  if (!opts.wildcardPort || !pattern.startsWith(':0')) return false;
  const p = splitEndpointPortAndPath(pattern);
  if (p.port !== WILDCARD_PORT) return false;
  if (observed === '') return false;
  const o = splitEndpointPortAndPath(observed);
  return compareDynamic(p.path, o.path);
}

/** An endpoint pattern prepared once for many comparisons (same answers as {@link compareEndpoint}). */
export interface CompiledEndpointPattern {
  readonly pattern: string;
  match(observed: string): boolean;
}

/** Pre-splits an endpoint pattern; with `wildcardPort`, a `:0` pattern compares only the path part. */
export function compileEndpoint(pattern: string, opts: CompareEndpointOptions): CompiledEndpointPattern {
  const whole = compileDynamic(pattern);
  const split = splitEndpointPortAndPath(pattern);
  const anyPort = opts.wildcardPort && pattern.startsWith(':') && split.port === WILDCARD_PORT;
  const path = anyPort ? compileDynamic(split.path) : null;
  return {
    pattern,
    match(observed: string): boolean {
      if (whole.match(observed)) return true;
      if (!path || observed === '') return false;
      return path.match(splitEndpointPortAndPath(observed).path);
    },
  };
}
