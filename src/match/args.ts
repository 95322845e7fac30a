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
  return matchSegments(token, arg);
}

const DYN_CODE = DYNAMIC.charCodeAt(0);

/** `/`-segment-wise comparison with equal segment counts; a `⋯` segment matches any one segment. */
function matchSegments(token: string, arg: string): boolean {
  let i = 0;
  let j = 0;
  for (;;) {
    let ti = token.indexOf('/', i);
    if (ti < 0) ti = token.length;
    let aj = arg.indexOf('/', j);
    if (aj < 0) aj = arg.length;
    const dyn = ti - i === 1 && token.charCodeAt(i) === DYN_CODE;
    if (!dyn) {
      if (ti - i !== aj - j) return false;
      for (let k = 0; k < ti - i; k++) if (token.charCodeAt(i + k) !== arg.charCodeAt(j + k)) return false;
    }
    const tEnd = ti === token.length;
    const aEnd = aj === arg.length;
    if (tEnd || aEnd) return tEnd && aEnd;
    i = ti + 1;
    j = aj + 1;
  }
}

/** Anchored, element-wise match where `⋯⋯` absorbs zero or more args (dynamic programming, O(|p|·|r|)). */
export function matchArgsAnchored(p: readonly string[], r: readonly string[]): boolean {
  let hasMulti = false;
  for (const t of p) if (t === EXEC_ARGS_WILDCARD) hasMulti = true;
  if (!hasMulti) {
    if (p.length !== r.length) return false;
    for (let i = 0; i < p.length; i++) if (!matchArgToken(p[i]!, r[i]!)) return false;
    return true;
  }
  // bottom-up DP over (token, arg) with a reused scratch buffer: ok[i*w+j] = p[i..] matches r[j..]
  const m = p.length;
  const n = r.length;
  const w = n + 1;
  const size = (m + 1) * w;
  if (scratch.length < size) scratch = new Uint8Array(Math.max(size, scratch.length * 2));
  const ok = scratch;
  for (let j = 0; j <= n; j++) ok[m * w + j] = j === n ? 1 : 0;
  for (let i = m - 1; i >= 0; i--) {
    const t = p[i]!;
    const row = i * w;
    const below = row + w;
    if (t === EXEC_ARGS_WILDCARD) {
      ok[row + n] = ok[below + n]!;
      for (let j = n - 1; j >= 0; j--) ok[row + j] = ok[below + j]! | ok[row + j + 1]!;
    } else {
      ok[row + n] = 0;
      for (let j = n - 1; j >= 0; j--) ok[row + j] = ok[below + j + 1]! && matchArgToken(t, r[j]!) ? 1 : 0;
    }
  }
  return ok[0] === 1;
}

let scratch = new Uint8Array(64);
