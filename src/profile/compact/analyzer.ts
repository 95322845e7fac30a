/**
 * The path analyzer: a trie per identifier (the opens surface, or one endpoint port) that collapses
 * directories with too many distinct children into `⋯`, or straight into `*` where the prefix threshold
 * is 1 (spec profiles.md §4.1). State carries over between calls, so feeding every path once and then
 * asking again for each path gives the collapsed form of the whole set.
 */
import { DYNAMIC, WILDCARD } from '../../match/index.ts';
import { findCollapseConfig, type CollapseConfig } from './settings.ts';

class Node {
  children = new Map<string, Node>();
}

export interface PathAnalyzerOptions {
  /** threshold where no collapse config applies */
  threshold: number;
  collapseConfigs?: readonly CollapseConfig[];
}

/** Rewrites every run of two or more adjacent `⋯` segments into one `*`. */
export function collapseAdjacentDynamic(path: string): string {
  if (!path.includes(DYNAMIC + '/' + DYNAMIC)) return path;
  const segs = path.split('/');
  const out: string[] = [];
  for (let i = 0; i < segs.length; i++) {
    if (segs[i] === DYNAMIC && segs[i + 1] === DYNAMIC) {
      while (segs[i + 1] === DYNAMIC) i++;
      out.push(WILDCARD);
    } else {
      out.push(segs[i]!);
    }
  }
  return out.join('/');
}

function childPath(parent: string, seg: string): string {
  return parent === '/' ? '/' + seg : parent + '/' + seg;
}

export class PathAnalyzer {
  readonly threshold: number;
  readonly collapseConfigs: readonly CollapseConfig[];
  private readonly roots = new Map<string, Node>();

  constructor(opts: PathAnalyzerOptions) {
    this.threshold = opts.threshold;
    this.collapseConfigs = opts.collapseConfigs ?? [];
  }

  /** The threshold that applies to the children of the node at `path`. */
  thresholdFor(path: string): number {
    return findCollapseConfig(this.collapseConfigs, path, this.threshold).threshold;
  }

  /**
   * Inserts `path` under `identifier` and returns its current collapsed form. Empty segments are
   * skipped (`//a///b/` → `/a/b`); a `*` segment ends the path; adjacent `⋯` become `*`.
   */
  analyzePath(path: string, identifier: string): string {
    let node = this.roots.get(identifier);
    if (!node) {
      node = new Node();
      this.roots.set(identifier, node);
    }
    let at = '/';
    const out: string[] = [];
    for (const seg of path.split('/')) {
      if (seg === '') continue;
      if (node.children.has(WILDCARD)) {
        out.push(WILDCARD);
        break;
      }
      if (seg === WILDCARD || this.thresholdFor(at) === 1) {
        node.children = new Map([[WILDCARD, node.children.get(WILDCARD) ?? new Node()]]);
        out.push(WILDCARD);
        break;
      }
      let next = node.children.get(DYNAMIC);
      if (next) {
        if (node.children.size > 1) this.collapse(node, at);
        next = node.children.get(DYNAMIC)!;
      } else if (seg === DYNAMIC) {
        next = this.collapse(node, at);
      } else {
        next = node.children.get(seg);
        if (!next) {
          next = new Node();
          node.children.set(seg, next);
          if (node.children.size > this.thresholdFor(at)) next = this.collapse(node, at);
        }
      }
      const name = node.children.get(DYNAMIC) === next ? DYNAMIC : seg;
      out.push(name);
      at = childPath(at, name);
      node = next;
    }
    return collapseAdjacentDynamic('/' + out.join('/'));
  }

  /** Replaces the children of `node` by one `⋯` child holding the union of their subtrees. */
  private collapse(node: Node, at: string): Node {
    const merged = node.children.get(DYNAMIC) ?? new Node();
    for (const [name, child] of node.children) {
      if (name === DYNAMIC) continue;
      mergeChildren(merged, child);
    }
    node.children = new Map([[DYNAMIC, merged]]);
    this.enforce(merged, childPath(at, DYNAMIC));
    return merged;
  }

  /** Re-applies the collapse rules to a subtree that was built by merging. */
  private enforce(node: Node, at: string): void {
    if (node.children.size === 0) return;
    if (node.children.has(WILDCARD) || this.thresholdFor(at) === 1) {
      node.children = new Map([[WILDCARD, new Node()]]);
      return;
    }
    if (node.children.size > this.thresholdFor(at) || (node.children.has(DYNAMIC) && node.children.size > 1)) {
      this.collapse(node, at); // collapse() enforces the merged child
      return;
    }
    for (const [name, child] of node.children) this.enforce(child, childPath(at, name));
  }
}

/** Moves the subtree below `src` into `dst` (union by segment name). */
function mergeChildren(dst: Node, src: Node): void {
  if (dst.children.has(WILDCARD)) return;
  for (const [name, child] of src.children) {
    if (name === WILDCARD) {
      dst.children = new Map([[WILDCARD, new Node()]]);
      return;
    }
    const existing = dst.children.get(name);
    if (existing) mergeChildren(existing, child);
    else dst.children.set(name, child);
  }
}
