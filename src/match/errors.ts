/** Typed errors of the matcher module (src/match). */

/** Base class of every error thrown by src/match. */
export class MatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MatchError';
  }
}

/** A string that should be an IP address is not one (Go net.ParseIP rules). */
export class InvalidIPError extends MatchError {
  constructor(readonly value: string) {
    super(`invalid IP address ${JSON.stringify(value)}`);
    this.name = 'InvalidIPError';
  }
}

/** A string that should be a CIDR (`addr/bits`) is not one (Go net.ParseCIDR rules). */
export class InvalidCIDRError extends MatchError {
  constructor(readonly value: string, readonly reason: string) {
    super(`invalid CIDR ${JSON.stringify(value)}: ${reason}`);
    this.name = 'InvalidCIDRError';
  }
}

/** A NetworkNeighbor `ipAddress`/`ipAddresses[]` entry is neither an IP, a CIDR nor `*`. */
export class InvalidIPEntryError extends MatchError {
  constructor(readonly value: string, readonly reason: string) {
    super(`invalid IP entry ${JSON.stringify(value)}: ${reason}`);
    this.name = 'InvalidIPEntryError';
  }
}

/** A NetworkNeighbor `dns`/`dnsNames[]` entry violates the DNS wildcard grammar. */
export class InvalidDNSEntryError extends MatchError {
  constructor(readonly value: string, readonly reason: string) {
    super(`invalid DNS entry ${JSON.stringify(value)}: ${reason}`);
    this.name = 'InvalidDNSEntryError';
  }
}
