/** Godot's TCPServer: listens on a port and hands out connected StreamPeerTCP peers. */
import { checkAddressType, checkPort, formatEndpoint } from "../transport/addresses.ts";
import type { Stream } from "../transport/types.ts";
import { SocketServer, type SocketServerOptions } from "./socket-server.ts";
import { StreamPeerTCP } from "./tcp.ts";

export type TCPServerOptions = SocketServerOptions;

export class TCPServer extends SocketServer<StreamPeerTCP> {
  constructor(opts: TCPServerOptions = {}) {
    super(opts);
  }

  /**
   * Listen on `port` (0 = any free port) at `bindAddress`; "*" (the default)
   * accepts IPv4 and IPv6 on every interface. Rejects with a NetError:
   * ERR_ALREADY_IN_USE (already listening, or the port is taken),
   * ERR_INVALID_PARAMETER / ERR_CANT_RESOLVE (bad address), ERR_UNAUTHORIZED.
   */
  async listen(port: number, bindAddress = "*"): Promise<void> {
    checkPort(port, "listen: port", 0);
    checkAddressType(bindAddress, "listen: bindAddress");
    await this.startListening({ host: bindAddress, port }, `listen on ${formatEndpoint(bindAddress, port)}`);
  }

  /** The port being listened on (0 when not listening). */
  getLocalPort(): number {
    return this.currentListener?.port ?? 0;
  }

  protected override wrap(stream: Stream): StreamPeerTCP {
    return StreamPeerTCP.fromAccepted(stream, this.peerOptions);
  }
}
