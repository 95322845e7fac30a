/**
 * Port/protocol matching for NetworkNeighbor entries — an sbob extension. Upstream node-agent's
 * `was_address_port_protocol_in_*` only range-checks the port and matches on the address alone
 * (rule-engine.md §2.4); sbob can additionally require that the neighbor lists the port and protocol.
 */

export interface NeighborPort {
  name?: string;
  protocol?: string;
  port?: number | null;
}

/**
 * True when `ports` admits (`port`, `proto`): an empty or absent list admits everything; an entry with
 * port 0/null/absent admits any port; an empty/absent protocol admits any protocol; protocols compare
 * case-insensitively. A runtime port outside 0..65535 (or not an integer) never matches.
 */
export function matchPortProtocol(
  ports: readonly NeighborPort[] | null | undefined,
  port: number,
  proto: string,
): boolean {
  if (!Number.isInteger(port) || port < 0 || port > 65535) return false;
  if (!ports || ports.length === 0) return true;
  const want = proto.toUpperCase();
  for (const p of ports) {
    const pp = p.port ?? 0;
    if (pp !== 0 && pp !== port) continue;
    const pr = (p.protocol ?? '').toUpperCase();
    if (pr !== '' && pr !== want) continue;
    return true;
  }
  return false;
}
