/**
 * Godot's IP singleton: host-name resolution (awaited, or queued and polled by id) with Godot's
 * cache, and this machine's interfaces and addresses. Addresses are strings in the text Godot's
 * IPAddress prints, so results compare equal to a Godot program's on the same machine.
 */
import { GodotError, NetError } from "../errors.ts";
import { ipFamily } from "../transport/addresses.ts";
import { godotIpText } from "../transport/memory-address.ts";
import { resolveIo } from "../transport/registry.ts";
import type { IoOptions, ResolvedAddress, RuntimeAdapter } from "../transport/types.ts";
import { BoundedMap } from "../util/bounded-map.ts";
import { checkInt, checkString } from "../util/args.ts";

/** Godot's IP.Type. */
export enum IPType {
  TYPE_NONE = 0,
  TYPE_IPV4 = 1,
  TYPE_IPV6 = 2,
  TYPE_ANY = 3,
}

/** Godot's IP.ResolverStatus. */
export enum ResolverStatus {
  RESOLVER_STATUS_NONE = 0,
  RESOLVER_STATUS_WAITING = 1,
  RESOLVER_STATUS_DONE = 2,
  RESOLVER_STATUS_ERROR = 3,
}

/** Godot 4's queue size: at most this many queued resolutions exist at once (erase them when done). */
export const RESOLVER_MAX_QUERIES = 256;
export const RESOLVER_INVALID_ID = -1;
/**
 * Resolutions the cache keeps (one per host name and address type); the oldest is forgotten past
 * it. Godot's cache grows without bound, which a program resolving names it is sent cannot afford.
 */
export const RESOLVE_CACHE_CAPACITY = 1024;

/** One entry of getLocalInterfaces(), Godot's dictionary: `index` is a string, as Godot's is. */
export interface LocalInterfaceInfo {
  name: string;
  friendly: string;
  index: string;
  addresses: string[];
}

interface QueueItem {
  status: ResolverStatus;
  addresses: readonly string[];
}

const FAMILY_OF_TYPE: Record<IPType, 0 | 4 | 6> = { [IPType.TYPE_NONE]: 0, [IPType.TYPE_IPV4]: 4, [IPType.TYPE_IPV6]: 6, [IPType.TYPE_ANY]: 0 };

function checkType(ipType: unknown, name: string): asserts ipType is IPType {
  checkInt(ipType, name, IPType.TYPE_NONE, IPType.TYPE_ANY);
}

function checkId(id: unknown, name: string): asserts id is number {
  checkInt(id, name, 0, RESOLVER_MAX_QUERIES - 1);
}

function godotTexts(found: readonly ResolvedAddress[]): string[] {
  const out: string[] = [];
  for (const { address } of found) {
    const text = godotIpText(address);
    if (text !== null && !out.includes(text)) out.push(text);
  }
  return out;
}

export class IP {
  static readonly TYPE_NONE = IPType.TYPE_NONE;
  static readonly TYPE_IPV4 = IPType.TYPE_IPV4;
  static readonly TYPE_IPV6 = IPType.TYPE_IPV6;
  static readonly TYPE_ANY = IPType.TYPE_ANY;
  static readonly RESOLVER_STATUS_NONE = ResolverStatus.RESOLVER_STATUS_NONE;
  static readonly RESOLVER_STATUS_WAITING = ResolverStatus.RESOLVER_STATUS_WAITING;
  static readonly RESOLVER_STATUS_DONE = ResolverStatus.RESOLVER_STATUS_DONE;
  static readonly RESOLVER_STATUS_ERROR = ResolverStatus.RESOLVER_STATUS_ERROR;
  static readonly RESOLVER_MAX_QUERIES = RESOLVER_MAX_QUERIES;
  static readonly RESOLVER_INVALID_ID = RESOLVER_INVALID_ID;

  private static defaultInstance: IP | undefined;

  /** The instance on the detected runtime that the static members use (Godot's `IP` singleton). */
  static getSingleton(): IP {
    IP.defaultInstance ??= new IP();
    return IP.defaultInstance;
  }

  // Godot scripts call IP.resolve_hostname(...) on the singleton; these let that port as written.
  static resolveHostname(host: string, ipType: IPType = IPType.TYPE_ANY): Promise<string> {
    return IP.getSingleton().resolveHostname(host, ipType);
  }
  static resolveHostnameAddresses(host: string, ipType: IPType = IPType.TYPE_ANY): Promise<string[]> {
    return IP.getSingleton().resolveHostnameAddresses(host, ipType);
  }
  static resolveHostnameQueueItem(host: string, ipType: IPType = IPType.TYPE_ANY): number {
    return IP.getSingleton().resolveHostnameQueueItem(host, ipType);
  }
  static getResolveItemStatus(id: number): ResolverStatus {
    return IP.getSingleton().getResolveItemStatus(id);
  }
  static getResolveItemAddress(id: number): string {
    return IP.getSingleton().getResolveItemAddress(id);
  }
  static getResolveItemAddresses(id: number): string[] {
    return IP.getSingleton().getResolveItemAddresses(id);
  }
  static eraseResolveItem(id: number): void {
    IP.getSingleton().eraseResolveItem(id);
  }
  static clearCache(hostname = ""): void {
    IP.getSingleton().clearCache(hostname);
  }
  static getLocalAddresses(): string[] {
    return IP.getSingleton().getLocalAddresses();
  }
  static getLocalInterfaces(): LocalInterfaceInfo[] {
    return IP.getSingleton().getLocalInterfaces();
  }

  private readonly opts: IoOptions | undefined;
  private runtimeChosen: RuntimeAdapter | undefined;
  private cache = new BoundedMap<string, string[]>(RESOLVE_CACHE_CAPACITY);
  private readonly queue: (QueueItem | null)[] = new Array<QueueItem | null>(RESOLVER_MAX_QUERIES).fill(null);

  constructor(opts?: IoOptions) {
    this.opts = opts;
  }

  // Chosen on first use, so that importing the package (or the browser entry) detects nothing.
  private get runtime(): RuntimeAdapter {
    this.runtimeChosen ??= resolveIo(this.opts).runtime;
    return this.runtimeChosen;
  }

  /** The first address `host` resolves to ("" when it does not resolve). Godot blocks; this resolves. */
  async resolveHostname(host: string, ipType: IPType = IPType.TYPE_ANY): Promise<string> {
    const addresses = await this.resolveHostnameAddresses(host, ipType);
    return addresses[0] ?? "";
  }

  /** Every address `host` resolves to, in the resolver's order ([] when it does not resolve). Godot blocks; this resolves. */
  async resolveHostnameAddresses(host: string, ipType: IPType = IPType.TYPE_ANY): Promise<string[]> {
    checkString(host, "IP.resolveHostnameAddresses: host");
    checkType(ipType, "IP.resolveHostnameAddresses: ipType");
    return [...(await this.lookup(host, ipType, "IP.resolveHostnameAddresses"))];
  }

  /**
   * Start resolving `host` in the background; poll getResolveItemStatus(id). RESOLVER_INVALID_ID
   * when RESOLVER_MAX_QUERIES items exist (erase finished ones). A cached name is DONE at once.
   */
  resolveHostnameQueueItem(host: string, ipType: IPType = IPType.TYPE_ANY): number {
    checkString(host, "IP.resolveHostnameQueueItem: host");
    checkType(ipType, "IP.resolveHostnameQueueItem: ipType");
    const id = this.queue.indexOf(null);
    if (id === -1) return RESOLVER_INVALID_ID;
    const cached = this.cache.get(cacheKey(host, ipType));
    if (cached !== undefined) {
      this.queue[id] = { status: ResolverStatus.RESOLVER_STATUS_DONE, addresses: cached };
      return id;
    }
    if (ipFamily(host) === 0) this.resolverFor(host, "IP.resolveHostnameQueueItem");
    const item: QueueItem = { status: ResolverStatus.RESOLVER_STATUS_WAITING, addresses: [] };
    this.queue[id] = item;
    const settle = (addresses: readonly string[]): void => {
      // Erased (and perhaps reused) meanwhile: Godot drops the late answer too.
      if (this.queue[id] !== item) return;
      item.addresses = addresses;
      item.status = addresses.length > 0 ? ResolverStatus.RESOLVER_STATUS_DONE : ResolverStatus.RESOLVER_STATUS_ERROR;
    };
    this.lookup(host, ipType, "IP.resolveHostnameQueueItem").then(settle, () => settle([]));
    return id;
  }

  /** NONE for a free id, as Godot (which also logs). */
  getResolveItemStatus(id: number): ResolverStatus {
    checkId(id, "IP.getResolveItemStatus: id");
    return this.queue[id]?.status ?? ResolverStatus.RESOLVER_STATUS_NONE;
  }

  /** The item's first address; "" unless it is DONE. */
  getResolveItemAddress(id: number): string {
    return this.getResolveItemAddresses(id)[0] ?? "";
  }

  /** The item's addresses; [] unless it is DONE. */
  getResolveItemAddresses(id: number): string[] {
    checkId(id, "IP.getResolveItemAddresses: id");
    const item = this.queue[id];
    return item?.status === ResolverStatus.RESOLVER_STATUS_DONE ? [...item.addresses] : [];
  }

  /** Free the id (a resolution still running is forgotten). */
  eraseResolveItem(id: number): void {
    checkId(id, "IP.eraseResolveItem: id");
    this.queue[id] = null;
  }

  /** Forget the cached resolutions of `hostname` (every type), or all of them for "". */
  clearCache(hostname = ""): void {
    checkString(hostname, "IP.clearCache: hostname");
    if (hostname === "") {
      this.cache = new BoundedMap<string, string[]>(RESOLVE_CACHE_CAPACITY);
      return;
    }
    for (const type of [IPType.TYPE_NONE, IPType.TYPE_IPV4, IPType.TYPE_IPV6, IPType.TYPE_ANY]) this.cache.delete(cacheKey(hostname, type));
  }

  /** Every address of every interface, in getLocalInterfaces() order. */
  getLocalAddresses(): string[] {
    return this.getLocalInterfaces().flatMap((i) => i.addresses);
  }

  /**
   * Godot 4's order: interfaces last-listed first, each one's addresses in the OS's order. Loopback
   * included; IPv6 link-local addresses without their %scope, as Godot prints them.
   */
  getLocalInterfaces(): LocalInterfaceInfo[] {
    const list = this.runtime.localInterfaces;
    if (list === undefined) {
      throw new NetError(GodotError.ERR_UNAVAILABLE, `IP.getLocalInterfaces: the ${this.runtime.name} runtime cannot list network interfaces`);
    }
    return list
      .call(this.runtime)
      .map((i) => ({ name: i.name, friendly: i.name, index: String(i.index), addresses: godotTexts(i.addresses) }))
      .reverse();
  }

  private resolverFor(host: string, what: string): NonNullable<RuntimeAdapter["resolveAll"]> {
    const resolveAll = this.runtime.resolveAll;
    if (resolveAll === undefined) {
      throw new NetError(GodotError.ERR_UNAVAILABLE, `${what}: the ${this.runtime.name} runtime cannot resolve host names (${host})`);
    }
    return resolveAll;
  }

  /** Cached, else asked of the runtime; a name that does not resolve gives [] and is not cached (Godot 4). */
  private async lookup(host: string, ipType: IPType, what: string): Promise<readonly string[]> {
    const key = cacheKey(host, ipType);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const family = FAMILY_OF_TYPE[ipType];
    let found: string[];
    const literalFamily = ipFamily(host);
    if (literalFamily !== 0) {
      // getaddrinfo reads a literal without asking anyone, and fails it for the other family.
      found = family === 0 || family === literalFamily ? godotTexts([{ address: host, family: literalFamily }]) : [];
    } else {
      const resolveAll = this.resolverFor(host, what);
      try {
        found = godotTexts(await resolveAll.call(this.runtime, host, family, what));
      } catch (err) {
        if (!(err instanceof NetError)) throw err;
        found = [];
      }
    }
    if (found.length > 0) this.cache.set(key, found);
    return found;
  }
}

function cacheKey(host: string, ipType: IPType): string {
  return `${ipType}${host}`;
}
