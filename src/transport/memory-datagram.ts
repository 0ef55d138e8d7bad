/** A UDP socket on the simulated network. The network (the fabric) does routing and link effects. */
import type { BoundAddress, DatagramTransport } from "./types.ts";
import { GodotError, NetError } from "../errors.ts";
import { checkMemoryPort } from "./memory-address.ts";

export type DatagramHandler = (data: Uint8Array, address: string, port: number) => void;

/** What a memory datagram socket needs from its network. */
export interface DatagramFabric {
  /** Register `socket` at (address, port); port 0 picks an ephemeral port. Throws NetError on conflict. */
  bindDatagram(socket: MemoryDatagramSocket, hostAddress: string, address: string, port: number): BoundAddress;
  unbindDatagram(socket: MemoryDatagramSocket): void;
  sendDatagram(socket: MemoryDatagramSocket, data: Uint8Array, address: string, port: number): void;
}

export class MemoryDatagramSocket implements DatagramTransport {
  private state: "unbound" | "bound" | "closed" = "unbound";
  private handler: DatagramHandler | undefined;
  /** Canonical bound address and port (valid once bound). */
  localAddress = "";
  localPort = 0;
  /** Set by a wildcard bind on a loopback host: the other-family loopback address this socket also owns. */
  twinAddress: string | undefined;

  constructor(
    private readonly fabric: DatagramFabric,
    /** The virtual host this socket lives on: what wildcard binds resolve to. */
    readonly hostAddress: string,
  ) {}

  get isBound(): boolean {
    return this.state === "bound";
  }

  async bind(address: string, port: number): Promise<BoundAddress> {
    checkMemoryPort(port, `bind ${String(address)}`, 0);
    if (this.state === "closed") throw new NetError(GodotError.ERR_UNCONFIGURED, `bind ${address}:${port}: socket is closed`);
    if (this.state === "bound") {
      throw new NetError(GodotError.ERR_ALREADY_IN_USE, `bind ${address}:${port}: socket already bound to ${this.localAddress}:${this.localPort}`);
    }
    const bound = this.fabric.bindDatagram(this, this.hostAddress, address, port);
    this.localAddress = bound.address;
    this.localPort = bound.port;
    this.state = "bound";
    return { address: bound.address, port: bound.port };
  }

  send(data: Uint8Array, address: string, port: number): void {
    if (!(data instanceof Uint8Array)) throw new TypeError(`send: data must be a Uint8Array, got ${typeof data}`);
    if (this.state !== "bound") {
      throw new NetError(GodotError.ERR_UNCONFIGURED, `send to ${String(address)}:${String(port)}: socket is ${this.state === "closed" ? "closed" : "not bound"}`);
    }
    this.fabric.sendDatagram(this, data, address, port);
  }

  onDatagram(cb: DatagramHandler): void {
    if (typeof cb !== "function") throw new TypeError("onDatagram: callback must be a function");
    this.handler = cb;
  }

  /** Called by the network when a copy arrives. Returns false when the socket cannot take it. */
  deliver(data: Uint8Array, fromAddress: string, fromPort: number): boolean {
    if (this.state !== "bound") return false;
    // No handler registered: the datagram is consumed and dropped, as a real socket with no listener does.
    this.handler?.(data, fromAddress, fromPort);
    return true;
  }

  close(): void {
    if (this.state === "closed") return;
    const wasBound = this.state === "bound";
    this.state = "closed";
    this.handler = undefined;
    if (wasBound) this.fabric.unbindDatagram(this);
  }
}
