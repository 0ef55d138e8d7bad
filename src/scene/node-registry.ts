/** The stand-in nodes of one SceneMultiplayer, by path relative to /root, and the C strings paths travel as. */
import { normalizeNodePath, SceneNode, type SceneNodeOwner } from "./scene-node.ts";

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** The UTF-8 string at `from`, up to its NUL or `to` (Godot's parse_utf8 of a C string field). */
export function readCString(bytes: Uint8Array, from: number, to: number): string {
  let end = from;
  while (end < to && bytes[end] !== 0) end++;
  return utf8.decode(bytes.subarray(from, end));
}

export class NodeRegistry {
  private readonly byPath = new Map<string, SceneNode>();
  /**
   * Per path, the paths one level below it that hold a node or have nodes under them, whether or
   * not the path itself holds one (stand-ins have no tree: "A/B/C" may be declared without "A/B").
   * Only non-empty sets are kept, so a path is listed under its parent exactly while it holds a
   * node or a set here, and subtree() walks what it returns instead of every stand-in.
   */
  private readonly below = new Map<string, Set<string>>();
  /** When each path got its node: subtree() lists same-depth nodes in this order. */
  private readonly declared = new Map<string, number>();
  private declarations = 0;
  private readonly owner: SceneNodeOwner;
  /** Where recordCreations is noting the paths of new nodes; null when it is not running. */
  private recording: string[] | null = null;

  constructor(owner: SceneNodeOwner) {
    this.owner = owner;
  }

  /** The node at `path`, created on first use (argument errors throw). */
  get(path: string): SceneNode {
    const key = normalizeNodePath(path, "path", this.owner.getRootPath());
    let n = this.byPath.get(key);
    if (!n) {
      this.add(key, (n = new SceneNode(this.owner, key)));
      this.recording?.push(key);
    }
    return n;
  }

  /** Run `declare`, noting in `into` the path of every node it creates (also when it throws). */
  recordCreations(into: string[], declare: () => void): void {
    const outer = this.recording;
    this.recording = into;
    try {
      declare();
    } finally {
      this.recording = outer;
      outer?.push(...into);
    }
  }

  /** The node at an already normalized path, if there is one. */
  at(path: string): SceneNode | undefined {
    return this.byPath.get(path);
  }

  /** The node a path from the network names; undefined when there is none or the path is malformed. */
  find(path: string): SceneNode | undefined {
    try {
      return this.byPath.get(normalizeNodePath(path, "path", this.owner.getRootPath()));
    } catch {
      return undefined;
    }
  }

  /**
   * The nodes at `path` (already normalized) and under it, deepest first, so each comes before its
   * parent (nodes of one depth in the order they were declared). Time in the size of the subtree.
   */
  subtree(path: string): SceneNode[] {
    const found: { node: SceneNode; depth: number; declared: number }[] = [];
    const pending = [path];
    for (let p = pending.pop(); p !== undefined; p = pending.pop()) {
      const node = this.byPath.get(p);
      if (node !== undefined) {
        let depth = 0;
        for (let i = p.indexOf("/"); i >= 0; i = p.indexOf("/", i + 1)) depth++;
        found.push({ node, depth, declared: this.declared.get(p)! });
      }
      for (const child of this.below.get(p) ?? []) pending.push(child);
    }
    return found.sort((a, b) => b.depth - a.depth || a.declared - b.declared).map((x) => x.node);
  }

  has(path: string): boolean {
    return this.byPath.has(path);
  }

  /** Add a node a remote authority spawned at `path` (already normalized). */
  create(path: string): SceneNode {
    const n = new SceneNode(this.owner, path);
    this.add(path, n);
    return n;
  }

  delete(path: string): void {
    if (!this.byPath.delete(path)) return;
    this.declared.delete(path);
    // Unlist the path, and each parent left with nothing below it and no node of its own.
    for (let p = path; p !== "." && !this.byPath.has(p) && !this.below.has(p); ) {
      const up = parentPath(p);
      const siblings = this.below.get(up)!;
      siblings.delete(p);
      if (siblings.size === 0) this.below.delete(up);
      p = up;
    }
  }

  private add(path: string, node: SceneNode): void {
    const isNew = !this.byPath.has(path);
    this.byPath.set(path, node);
    if (!isNew) return;
    this.declared.set(path, this.declarations++);
    // List the path under its parent, and each parent not listed yet under its own.
    for (let p = path; p !== "."; ) {
      const up = parentPath(p);
      const siblings = this.below.get(up);
      if (siblings !== undefined) {
        siblings.add(p);
        return;
      }
      this.below.set(up, new Set([p]));
      if (this.byPath.has(up)) return;
      p = up;
    }
  }
}

/** The path one level up ("." above a top-level node). */
function parentPath(path: string): string {
  const cut = path.lastIndexOf("/");
  return cut < 0 ? "." : path.slice(0, cut);
}

/**
 * Run the handler registered for an incoming call of `method` on `node`. A call with no
 * handler counts `noHandler`; a handler that throws counts `handlerErrors` and is reported
 * through `report`, so nothing thrown by user code leaves poll().
 */
export function deliverCall(
  node: SceneNode,
  method: string,
  args: unknown[],
  drops: { noHandler: number; handlerErrors: number },
  report: (node: SceneNode, method: string, error: unknown) => void,
): void {
  const handler = node.handlerFor(method);
  if (!handler) {
    drops.noHandler++;
    return;
  }
  try {
    handler.apply(node, args);
  } catch (error) {
    drops.handlerErrors++;
    report(node, method, error);
  }
}
