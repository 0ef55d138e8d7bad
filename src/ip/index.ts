export { IP, IPType, ResolverStatus, RESOLVE_CACHE_CAPACITY } from "./ip.ts";
export type { LocalInterfaceInfo } from "./ip.ts";
