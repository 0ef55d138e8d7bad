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
      this.byPath.set(key, (n = new SceneNode(this.owner, key)));
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
   * parent (siblings in the order they were declared). Stand-ins have no tree: a scan by path.
   */
  subtree(path: string): SceneNode[] {
    const under = path === "." ? "" : `${path}/`;
    const found: { node: SceneNode; depth: number }[] = [];
    for (const [key, node] of this.byPath) {
      if (key !== path && !key.startsWith(under)) continue;
      let depth = 0;
      for (let i = key.indexOf("/"); i >= 0; i = key.indexOf("/", i + 1)) depth++;
      found.push({ node, depth });
    }
    return found.sort((a, b) => b.depth - a.depth).map((x) => x.node);
  }

  has(path: string): boolean {
    return this.byPath.has(path);
  }

  /** Add a node a remote authority spawned at `path` (already normalized). */
  create(path: string): SceneNode {
    const n = new SceneNode(this.owner, path);
    this.byPath.set(path, n);
    return n;
  }

  delete(path: string): void {
    this.byPath.delete(path);
  }
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
