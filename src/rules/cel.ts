/**
 * The CEL environment rules are compiled in: variables `event`, `http`, `eventType`, the standard
 * library (plus the string extensions upstream enables), and the helper namespaces `cp` (aliases
 * `ap`, `nn`), `k8s`, `parse`, `net`, `process` (rule-engine.md §1.2, §2).
 */
import { Environment } from '@marcbachmann/cel-js';
import { HelperError } from './errors.ts';
import { CelEvent, CelHttpRequest, eventFieldDecls } from './values.ts';
import type { HelperContext } from './helpers/context.ts';
import * as P from './helpers/profile.ts';
import * as H from './helpers/host.ts';

class CpNamespace {}
class ApNamespace {}
class NnNamespace {}
class K8sNamespace {}
class ParseNamespace {}
class NetNamespace {}
class ProcessNamespace {}
class StringsNamespace {}

type Fn = (...args: never[]) => unknown;
interface HelperDecl {
  name: string;
  params: string;
  result: string;
  impl: Fn;
}

function stringList(v: unknown, fn: string): string[] {
  if (!Array.isArray(v)) throw new HelperError(`${fn}: expected a list of strings`);
  for (const x of v) if (typeof x !== 'string') throw new HelperError(`${fn}: expected a list of strings, got ${typeof x}`);
  return v as string[];
}

const num = (v: unknown): number => Number(typeof v === 'object' && v !== null ? (v as { valueOf(): unknown }).valueOf() : v);

/** The container-profile helpers (`cp.*`, alias `ap.*`). */
function profileHelpers(ctx: HelperContext): HelperDecl[] {
  return [
    { name: 'was_executed', params: 'string, string', result: 'bool', impl: (c: string, p: string) => P.wasExecuted(ctx, c, p) },
    {
      name: 'was_executed_with_args', params: 'string, string, list<string>', result: 'bool',
      impl: (c: string, p: string, a: unknown) => P.wasExecutedWithArgs(ctx, c, p, stringList(a, 'was_executed_with_args')),
    },
    { name: 'was_path_opened', params: 'string, string', result: 'bool', impl: (c: string, p: string) => P.wasPathOpened(ctx, c, p) },
    {
      name: 'was_path_opened_with_flags', params: 'string, string, list<string>', result: 'bool',
      impl: (c: string, p: string, f: unknown) => (stringList(f, 'was_path_opened_with_flags'), P.wasPathOpened(ctx, c, p)),
    },
    { name: 'was_path_opened_with_suffix', params: 'string, string', result: 'bool', impl: (c: string, s: string) => P.wasPathOpenedWithSuffix(ctx, c, s) },
    { name: 'was_path_opened_with_prefix', params: 'string, string', result: 'bool', impl: (c: string, s: string) => P.wasPathOpenedWithPrefix(ctx, c, s) },
    { name: 'was_syscall_used', params: 'string, string', result: 'bool', impl: (c: string, s: string) => P.wasSyscallUsed(ctx, c, s) },
    { name: 'was_capability_used', params: 'string, string', result: 'bool', impl: (c: string, s: string) => P.wasCapabilityUsed(ctx, c, s) },
    { name: 'was_endpoint_accessed', params: 'string, string', result: 'bool', impl: (c: string, e: string) => P.wasEndpointAccessed(ctx, c, e) },
    {
      name: 'was_endpoint_accessed_with_method', params: 'string, string, string', result: 'bool',
      impl: (c: string, e: string) => P.wasEndpointAccessed(ctx, c, e),
    },
    {
      name: 'was_endpoint_accessed_with_methods', params: 'string, string, list<string>', result: 'bool',
      impl: (c: string, e: string, m: unknown) => (stringList(m, 'was_endpoint_accessed_with_methods'), P.wasEndpointAccessed(ctx, c, e)),
    },
    { name: 'was_endpoint_accessed_with_prefix', params: 'string, string', result: 'bool', impl: (c: string, s: string) => P.wasEndpointAccessedWithPrefix(ctx, c, s) },
    { name: 'was_endpoint_accessed_with_suffix', params: 'string, string', result: 'bool', impl: (c: string, s: string) => P.wasEndpointAccessedWithSuffix(ctx, c, s) },
    { name: 'was_host_accessed', params: 'string, string', result: 'bool', impl: (c: string, h: string) => P.wasHostAccessed(ctx, c, h) },
  ];
}

/** The network helpers (`cp.*`, alias `nn.*`). */
function networkHelpers(ctx: HelperContext): HelperDecl[] {
  return [
    { name: 'was_address_in_egress', params: 'string, string', result: 'bool', impl: (c: string, a: string) => P.wasAddressIn(ctx, 'egress', c, a) },
    { name: 'was_address_in_ingress', params: 'string, string', result: 'bool', impl: (c: string, a: string) => P.wasAddressIn(ctx, 'ingress', c, a) },
    { name: 'is_domain_in_egress', params: 'string, string', result: 'bool', impl: (c: string, d: string) => P.isDomainIn(ctx, 'egress', c, d) },
    { name: 'is_domain_in_ingress', params: 'string, string', result: 'bool', impl: (c: string, d: string) => P.isDomainIn(ctx, 'ingress', c, d) },
    {
      name: 'was_address_port_protocol_in_egress', params: 'string, string, int, string', result: 'bool',
      impl: (c: string, a: string, port: unknown, proto: string) => P.wasAddressPortProtocolIn(ctx, 'egress', c, a, num(port), proto),
    },
    {
      name: 'was_address_port_protocol_in_ingress', params: 'string, string, int, string', result: 'bool',
      impl: (c: string, a: string, port: unknown, proto: string) => P.wasAddressPortProtocolIn(ctx, 'ingress', c, a, num(port), proto),
    },
  ];
}

/** Names of every helper per namespace (for docs, `sbob rules helpers` and tests). */
export const HELPER_NAMESPACES: Record<string, string[]> = {};

export function createCelEnvironment(ctx: HelperContext): Environment {
  const env = new Environment({ homogeneousAggregateLiterals: false })
    .registerType('HttpRequest', {
      ctor: CelHttpRequest,
      fields: { method: 'string', host: 'string', url: 'string', path: 'string', headers: 'map<string, list<string>>', body: 'string' },
    })
    .registerType('Event', { ctor: CelEvent, fields: eventFieldDecls() })
    .registerVariable('event', 'Event')
    .registerVariable('http', 'Event')
    .registerVariable('eventType', 'string');

  const ns = (typeName: string, varName: string, ctor: new () => object, decls: HelperDecl[]) => {
    env.registerType(typeName, ctor).registerConstant(varName, typeName, new ctor());
    for (const d of decls) {
      const impl = d.impl as (...a: unknown[]) => unknown;
      env.registerFunction(`${typeName}.${d.name}(${d.params}): ${d.result}`, (_recv: unknown, ...args: unknown[]) => impl(...args));
    }
    HELPER_NAMESPACES[varName] = decls.map((d) => d.name);
  };

  const prof = profileHelpers(ctx);
  const net = networkHelpers(ctx);
  ns('CpNamespace', 'cp', CpNamespace, [...prof, ...net]);
  ns('ApNamespace', 'ap', ApNamespace, prof);
  ns('NnNamespace', 'nn', NnNamespace, net);
  ns('K8sNamespace', 'k8s', K8sNamespace, [
    {
      name: 'get_container_mount_paths', params: 'string, string, string', result: 'list<string>',
      impl: (n: string, p: string, c: string) => H.getContainerMountPaths(ctx.world, n, p, c),
    },
    { name: 'is_api_server_address', params: 'string', result: 'bool', impl: (a: string) => H.isApiServerAddress(ctx.world, a) },
    {
      name: 'get_container_by_name', params: 'string, string, string', result: 'bool',
      impl: (n: string, p: string, c: string) => H.getContainerByName(ctx.world, n, p, c),
    },
  ]);
  ns('ParseNamespace', 'parse', ParseNamespace, [
    {
      name: 'get_exec_path', params: 'list<string>, string', result: 'string',
      impl: (a: unknown, c: string) => H.getExecPath(stringList(a, 'parse.get_exec_path'), c),
    },
    {
      name: 'get_exec_path', params: 'list<string>, string, string', result: 'string',
      impl: (a: unknown, c: string, e: string) => H.getExecPath(stringList(a, 'parse.get_exec_path'), c, e),
    },
  ]);
  ns('NetNamespace', 'net', NetNamespace, [
    { name: 'is_private_ip', params: 'string', result: 'bool', impl: (ip: string) => H.isPrivateIP(ip) },
  ]);
  ns('ProcessNamespace', 'process', ProcessNamespace, [
    {
      name: 'get_process_env', params: 'int', result: 'map<string, string>',
      impl: (pid: unknown) => H.getProcessEnv(ctx.world, num(pid)),
    },
    { name: 'get_ld_hook_var', params: 'uint', result: 'string', impl: (pid: unknown) => H.getLdHookVar(ctx.world, num(pid)) },
  ]);

  // cel-go string extensions not built into cel-js (ext.Strings)
  env
    .registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
      const n = Number(i);
      if (n < 0 || n > s.length) throw new HelperError(`charAt: index ${n} out of range`);
      return s.charAt(n);
    })
    .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) => s.split(a).join(b))
    .registerFunction('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => {
      let count = Number(n);
      if (count < 0) return s.split(a).join(b);
      let out = '';
      let rest = s;
      while (count-- > 0) {
        const i = rest.indexOf(a);
        if (i < 0) break;
        out += rest.slice(0, i) + b;
        rest = rest.slice(i + a.length);
      }
      return out + rest;
    })
    .registerFunction('string.reverse(): string', (s: string) => [...s].reverse().join(''))
    .registerFunction('int(uint): int', (u: unknown) => BigInt(num(u)))
    .registerType('StringsNamespace', StringsNamespace)
    .registerConstant('strings', 'StringsNamespace', new StringsNamespace())
    .registerFunction('StringsNamespace.quote(string): string', (_r: unknown, s: string) => JSON.stringify(s));
  return env;
}
