/**
 * The state machine both roles run over the peer's three packets: version byte, packet 1, packet 2
 * (C0/C1/C2 on the server, S0/S1/S2 on the client). Subclasses answer packet 1 and check packet 2.
 *
 *   state 0  version   1 byte     3, or HandshakeError HANDSHAKE_VERSION (RTMP 1.0 §5.2.2)
 *   state 1  packet 1  1536 bytes → answerPacket1() (what to send back)
 *   state 2  packet 2  1536 bytes → checkPacket2() (recorded in the result, never rejected)
 *   state 3  done      bytes after packet 2 go to result.rest; later pushes pass straight through
 */
import { HANDSHAKE_SIZE } from './digest.js';
import { PacketReader } from './packet-reader.js';
import type { HandshakeResult, HandshakeStep } from './types.js';
import { checkVersion } from './version.js';

const STATE_VERSION = 0;
const STATE_PACKET1 = 1;
const STATE_PACKET2 = 2;
const STATE_DONE = 3;

const NO_OUTPUT: Buffer[] = [];

export abstract class HandshakeMachine {
  private state = STATE_VERSION;
  private readonly reader = new PacketReader();
  /** Set by answerPacket1(); completed with `rest` when packet 2 is in. */
  protected result: HandshakeResult | undefined;

  /** 'C0' or 'S0', for error messages. */
  protected abstract readonly versionPacketName: 'C0' | 'S0';
  /** The reply to the peer's packet 1 (sets `result`). May throw a HandshakeError. */
  protected abstract answerPacket1(packet: Buffer): Buffer;
  /** Record what the peer's packet 2 proves; never throws for a mismatch. */
  protected abstract checkPacket2(packet: Buffer): void;

  /** True once the peer's packet 2 has been read. */
  get done(): boolean {
    return this.state === STATE_DONE;
  }

  /**
   * Feeds bytes from the peer. Throws a HandshakeError on a bad version byte (or whatever
   * answerPacket1 rejects); after that the machine must not be used again.
   */
  push(chunk: Buffer): HandshakeStep {
    if (this.state === STATE_DONE) return { output: NO_OUTPUT, done: true, rest: chunk, result: this.result! };
    this.reader.begin(chunk);
    let output = NO_OUTPUT;
    for (;;) {
      switch (this.state) {
        case STATE_VERSION: {
          const version = this.reader.read(1);
          if (version === undefined) return { output, done: false };
          checkVersion(version[0]!, this.versionPacketName);
          this.state = STATE_PACKET1;
          break;
        }
        case STATE_PACKET1: {
          const packet = this.reader.read(HANDSHAKE_SIZE);
          if (packet === undefined) return { output, done: false };
          output = [this.answerPacket1(packet)];
          this.state = STATE_PACKET2;
          break;
        }
        default: {
          const packet = this.reader.read(HANDSHAKE_SIZE);
          if (packet === undefined) return { output, done: false };
          this.checkPacket2(packet);
          this.state = STATE_DONE;
          const rest = this.reader.takeRest();
          this.result!.rest = rest;
          return { output, done: true, rest, result: this.result! };
        }
      }
    }
  }
}
