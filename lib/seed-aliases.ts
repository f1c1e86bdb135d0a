/**
 * The seed's names that differ from Node's, in one place (issue 10, item 5). The original spec (a
 * Go library, seed/original-spec.txt) names some calls differently from the Node idiom this
 * package follows; each alias below forwards to the Node-style member and does nothing else:
 *
 *   seed (Go)                    alias                          Node-style member
 *   Server.Start()               server.start()                 server.listen()
 *   Server.Stop()                server.stop(options?)          server.close(options?)
 *   Server.GetConnections()      server.getConnections()        server.connections
 *   Server.GetConnectionCount()  server.getConnectionCount()    server.connectionCount
 *   Conn.RemoteAddr()            connection.remoteAddr          connection.remoteAddress
 *   Client.Subscribe(name)       client.subscribe(name, opts?)  client.play(name, opts?)
 *
 * The classes mix these in (`installSeedAliases(Class.prototype, ...)`, one line each, next to an
 * `interface Class extends ...Aliases` that types them). This file imports no layer: it sits with
 * errors.ts and logger.ts below every folder. docs/architecture.md ("The seed's names") lists them.
 */

/** Server.Start/Stop/GetConnections/GetConnectionCount. */
export interface ServerSeedAliases<Connection, CloseOptions> {
  /** The seed's Start(): `listen()`. */
  start(): Promise<void>;
  /** The seed's Stop(): `close(options)`. */
  stop(options?: CloseOptions): Promise<void>;
  /** The seed's GetConnections(): `connections`. */
  getConnections(): Connection[];
  /** The seed's GetConnectionCount(): `connectionCount`. */
  getConnectionCount(): number;
}

interface ServerLike<Connection, CloseOptions> {
  listen(): Promise<void>;
  close(options?: CloseOptions): Promise<void>;
  readonly connections: Connection[];
  readonly connectionCount: number;
}

export const serverSeedAliases = {
  start(this: ServerLike<unknown, unknown>): Promise<void> {
    return this.listen();
  },
  stop(this: ServerLike<unknown, unknown>, options?: unknown): Promise<void> {
    return this.close(options);
  },
  getConnections(this: ServerLike<unknown, unknown>): unknown[] {
    return this.connections;
  },
  getConnectionCount(this: ServerLike<unknown, unknown>): number {
    return this.connectionCount;
  },
};

/** A connection's RemoteAddr. */
export interface ConnectionSeedAliases {
  /** The seed's RemoteAddr: `remoteAddress`. */
  readonly remoteAddr: string | undefined;
}

export const connectionSeedAliases = {
  get remoteAddr(): string | undefined {
    return (this as unknown as { remoteAddress: string | undefined }).remoteAddress;
  },
};

/** Client.Subscribe. */
export interface ClientSeedAliases<PlayOptions> {
  /** The seed's Subscribe: `play(name, options)`. */
  subscribe(name?: string, options?: PlayOptions): Promise<number>;
}

export const clientSeedAliases = {
  subscribe(this: { play(name?: string, options?: unknown): Promise<number> }, name?: string, options: unknown = {}): Promise<number> {
    return this.play(name, options);
  },
};

/** Define the aliases on a class prototype as class members are: non-enumerable, configurable. */
export function installSeedAliases(prototype: object, aliases: object): void {
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(aliases))) {
    Object.defineProperty(prototype, name, { ...descriptor, enumerable: false, configurable: true });
  }
}
