/**
 * Exec argument matching (`CompareExecArgs` / `MatchExecArgs`, spec rule-engine.md §2.5, profiles.md §2.2).
 * Tokens: `⋯⋯` zero or more whole args, `⋯` exactly one arg, a token containing `⋯` with other text is
 * matched per `/` segment (equal segment count, `⋯` = one segment). `*` is always literal.
 */
import { DYNAMIC, EXEC_ARGS_WILDCARD } from './tokens.ts';

/** node-agent semantics: an empty recorded argv is "no constraint"; otherwise anchored matching. */
export function compareExecArgs(profileArgs: readonly string[], runtimeArgs: readonly string[]): boolean {
  if (profileArgs.length === 0) return true;
  return matchArgsAnchored(profileArgs, runtimeArgs);
}

/**
 * Storage `MatchExecArgs`: with `argsRequired` false everything matches; when true the match is strict
 * and anchored, so an empty recorded argv admits only an empty runtime argv.
 */
export function matchExecArgs(
  profileArgs: readonly string[],
  argsRequired: boolean,
  runtimeArgs: readonly string[],
): boolean {
  if (!argsRequired) return true;
  return matchArgsAnchored(profileArgs, runtimeArgs);
}

/** One recorded token against one runtime argument (`⋯⋯` is handled by the caller). */
export function matchArgToken(token: string, arg: string): boolean {
  if (token === DYNAMIC) return true;
  if (token === arg) return true;
  if (!token.includes(DYNAMIC)) return false;
  const ts = token.split('/');
  const as = arg.split('/');
  if (ts.length !== as.length) return false;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    if (t !== DYNAMIC && t !== as[i]) return false;
  }
  return true;
}

/** Anchored, element-wise match with `⋯⋯` backtracking (memoised, O(|p|·|r|)). */
export function matchArgsAnchored(p: readonly string[], r: readonly string[]): boolean {
  let hasMulti = false;
  for (const t of p) if (t === EXEC_ARGS_WILDCARD) hasMulti = true;
  if (!hasMulti) {
    if (p.length !== r.length) return false;
    for (let i = 0; i < p.length; i++) if (!matchArgToken(p[i]!, r[i]!)) return false;
    return true;
  }
  const m = p.length;
  const n = r.length;
  const w = n + 1;
  const memo = new Uint8Array((m + 1) * w);
  const go = (i: number, j: number): boolean => {
    const key = i * w + j;
    const c = memo[key]!;
    if (c !== 0) return c === 2;
    let res: boolean;
    if (i === m) res = j === n;
    else if (p[i] === EXEC_ARGS_WILDCARD) res = go(i + 1, j) || (j < n && go(i, j + 1));
    else res = j < n && matchArgToken(p[i]!, r[j]!) && go(i + 1, j + 1);
    memo[key] = res ? 2 : 1;
    return res;
  };
  return go(0, 0);
}
