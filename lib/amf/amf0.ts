/**
 * AMF0 (Adobe AMF 0 Specification, December 2007): reader and writer, with the §2.9 reference
 * table (anonymous objects, typed objects, ECMA arrays and strict arrays, added when they start so
 * cycles resolve) and the §3.1 AVM+ switch to AMF3 for the next value. The AMF3 reference tables
 * live as long as the Amf0Reader/Amf0Writer (one message).
 */
import { oneShotCodec, type AmfCodec } from './one-shot.js';
import { Amf3Reader, Amf3Writer } from './amf3.js';
import { ByteSink } from './byte-sink.js';
import { AmfCursor } from './cursor.js';
import { amfError, guardUserCode } from './error.js';
import { classByAlias, classByCtor, externalizableByCtor } from './registry.js';
import {
  AMF_DATE_TIMEZONE,
  AMF_ECMA_ARRAY,
  AMF_TRAITS,
  AmfAvmPlus,
  AmfUnsupported,
  AmfVectorObject,
  AmfXml,
  AmfXmlDocument,
  createTraits,
  setHidden,
  setOwn,
  type AmfDecodeOptions,
  type AmfEncodeOptions,
  type AmfTraits,
} from './types.js';

/** AMF0 §2.1 type markers. */
export const Amf0Marker = {
  Number: 0x00,
  Boolean: 0x01,
  String: 0x02,
  Object: 0x03,
  MovieClip: 0x04,
  Null: 0x05,
  Undefined: 0x06,
  Reference: 0x07,
  EcmaArray: 0x08,
  ObjectEnd: 0x09,
  StrictArray: 0x0a,
  Date: 0x0b,
  LongString: 0x0c,
  Unsupported: 0x0d,
  RecordSet: 0x0e,
  XmlDocument: 0x0f,
  TypedObject: 0x10,
  AvmPlus: 0x11,
} as const;

type Hidden = Record<symbol, unknown>;

export class Amf0Reader extends AmfCursor {
  private readonly refs: object[] = [];
  private readonly options: AmfDecodeOptions | undefined;
  private amf3: Amf3Reader | undefined;
  /** One frozen traits object per alias seen, shared by every object of that alias. */
  private aliases: Map<string, AmfTraits> | undefined;

  constructor(buf: Buffer, options?: AmfDecodeOptions) {
    super(buf, options);
    this.options = options;
  }

  /** Reads one value (switching to AMF3 for it after an AVM+ marker). */
  read(): unknown {
    return this.readValue();
  }

  private readValue(): unknown {
    const marker = this.readUInt8();
    switch (marker) {
      case 0x00: // §2.2 number
        return this.readDouble();
      case 0x01: // §2.3 boolean
        return this.readUInt8() !== 0;
      case 0x02: // §2.4 string
        return this.readUtf8(this.readUInt16(), 'an AMF0 string');
      case 0x03: {
        // §2.5 anonymous object
        const obj = {};
        this.addReference(obj);
        this.readProperties(obj, 'AMF0 object');
        return obj;
      }
      case 0x04: // §2.6 movieclip
        return this.reserved(marker, 'movieclip');
      case 0x05: // §2.7
        return null;
      case 0x06: // §2.8
        return undefined;
      case 0x07: {
        // §2.9 reference: an index into the complex-object table
        const index = this.readUInt16();
        if (index >= this.refs.length) {
          throw amfError(
            'ERR_AMF_BAD_REFERENCE',
            `AMF0 reference ${index} at offset ${this.offset - 3} points past the table (${this.refs.length} entries)`,
          );
        }
        return this.refs[index];
      }
      case 0x08: {
        // §2.10 ECMA array: the count is advisory, the properties end with an object-end marker
        this.readUInt32();
        const obj = {};
        setHidden(obj, AMF_ECMA_ARRAY, true);
        this.addReference(obj);
        this.readProperties(obj, 'AMF0 ECMA array');
        return obj;
      }
      case 0x09: // §2.11: only valid after an empty property name
        throw amfError('ERR_AMF_INVALID', `AMF0 object-end marker at offset ${this.offset - 1} where a value was expected`);
      case 0x0a:
        return this.readStrictArray();
      case 0x0b: {
        // §2.13 date: ms since the epoch, then a time-zone field that should be 0
        const date = new Date(this.readDouble());
        const timeZone = this.readInt16();
        if (timeZone !== 0) setHidden(date, AMF_DATE_TIMEZONE, timeZone);
        return date;
      }
      case 0x0c: // §2.14 long string
        return this.readUtf8(this.readUInt32(), 'an AMF0 long string');
      case 0x0d: // §2.15
        return new AmfUnsupported();
      case 0x0e: // §2.16 recordset
        return this.reserved(marker, 'recordset');
      case 0x0f: // §2.17 XML document: a long string
        return new AmfXmlDocument(this.readUtf8(this.readUInt32(), 'an AMF0 XML document'));
      case 0x10:
        return this.readTypedObject();
      case 0x11:
        return this.readAvmPlus();
      default:
        throw amfError(
          'ERR_AMF_UNKNOWN_MARKER',
          `unknown AMF0 type marker 0x${marker.toString(16).padStart(2, '0')} at offset ${this.offset - 1}`,
        );
    }
  }

  private reserved(marker: number, name: string): never {
    throw amfError(
      'ERR_AMF_RESERVED_MARKER',
      `AMF0 ${name} marker 0x${marker.toString(16).padStart(2, '0')} at offset ${this.offset - 1} is reserved and not supported`,
    );
  }

  private addReference(obj: object): void {
    if (this.refs.length >= this.limits.maxReferences) this.tableFull('AMF0 object');
    this.refs.push(obj);
  }

  /** §2.5 object-property list: (UTF-8 name, value)* then an empty name and the object-end marker. */
  private readProperties(target: object, what: string): void {
    this.enter(what);
    const buf = this.buf;
    for (;;) {
      const len = this.readUInt16();
      let key = '';
      if (len === 0) {
        if (this.offset >= buf.length) this.need(1, `the end of ${what}`);
        if (buf[this.offset] === 0x09) {
          this.offset++;
          break;
        }
      } else {
        key = this.readUtf8(len, 'an AMF0 property name');
      }
      setOwn(target, key, this.readValue());
    }
    this.leave();
  }

  // §2.12: a U32 count then that many values, each at least one byte.
  private readStrictArray(): unknown[] {
    const count = this.readUInt32();
    this.checkCount(count, 1, 'AMF0 strict array');
    const arr: unknown[] = [];
    this.addReference(arr);
    this.enter('AMF0 strict array');
    for (let i = 0; i < count; i++) arr.push(this.readValue());
    this.leave();
    return arr;
  }

  // §2.18: a class name, then properties as for an anonymous object.
  private readTypedObject(): object {
    const className = this.readUtf8(this.readUInt16(), 'an AMF0 class name');
    const entry = className === '' ? undefined : classByAlias(className);
    if (!entry) {
      const obj = {};
      const aliases = (this.aliases ??= new Map());
      let traits = aliases.get(className);
      if (!traits) {
        traits = createTraits(className);
        aliases.set(className, traits);
      }
      setHidden(obj, AMF_TRAITS, traits);
      this.addReference(obj);
      this.readProperties(obj, 'AMF0 typed object');
      return obj;
    }
    const obj = guardUserCode(`constructor of '${entry.alias}'`, 'ERR_AMF_INVALID', () => new entry.ctor());
    this.addReference(obj);
    guardUserCode(`setting members of '${entry.alias}'`, 'ERR_AMF_INVALID', () =>
      this.readProperties(obj, 'AMF0 typed object'),
    );
    return obj;
  }

  // §3.1: the next value is AMF3.
  private readAvmPlus(): unknown {
    const reader = (this.amf3 ??= new Amf3Reader(this.buf, this.options));
    reader.offset = this.offset;
    reader.depth = this.depth;
    const value = reader.readValue();
    this.offset = reader.offset;
    return value;
  }
}

export class Amf0Writer {
  private readonly out: ByteSink;
  private readonly options: AmfEncodeOptions | undefined;
  private readonly maxDepth: number;
  private depth = 0;
  private readonly refs = new Map<object, number>();
  private refCount = 0;

  constructor(options?: AmfEncodeOptions) {
    this.options = options;
    this.maxDepth = options?.maxDepth ?? 64;
    this.out = new ByteSink();
  }

  /** Appends one AMF0 value. */
  write(value: unknown): this {
    this.writeValue(value);
    return this;
  }

  /** Appends the AVM+ marker (0x11) and `value` in AMF3 (§3.1). */
  writeAvmPlus(value: unknown): this {
    this.writeAvmPlusValue(value);
    return this;
  }

  /** The bytes written so far. */
  toBuffer(): Buffer {
    return this.out.toBuffer();
  }

  private writeAvmPlusValue(value: unknown): void {
    this.out.u8(0x11);
    // Fresh AMF3 tables per switched value: peers disagree on whether tables persist across AVM+
    // switches, and output without cross-value references reads the same under either rule.
    const writer = new Amf3Writer(this.options, this.out);
    writer.depth = this.depth;
    writer.writeValue(value);
  }

  private writeValue(value: unknown): void {
    switch (typeof value) {
      case 'number':
        this.out.u8(0x00);
        this.out.double(value);
        return;
      case 'string':
        this.writeString(value);
        return;
      case 'boolean':
        this.out.u8(0x01);
        this.out.u8(value ? 1 : 0);
        return;
      case 'undefined':
        this.out.u8(0x06);
        return;
      case 'object':
        if (value === null) this.out.u8(0x05);
        else this.writeObjectValue(value);
        return;
      default:
        throw amfError('ERR_AMF_UNENCODABLE', `a ${typeof value} has no AMF0 encoding`);
    }
  }

  /** §2.4 string, or §2.14 long string past 65535 bytes. */
  private writeString(s: string): void {
    const out = this.out;
    if (s.length <= 0x5555) {
      // 3 bytes per UTF-16 unit at most: surely fits a U16 length.
      out.ensure(3 + s.length * 3);
      const p = out.pos;
      const n = out.utf8At(s, p + 3);
      out.buf[p] = 0x02;
      out.buf[p + 1] = n >>> 8;
      out.buf[p + 2] = n & 0xff;
      out.pos = p + 3 + n;
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    if (n <= 0xffff) {
      out.u8(0x02);
      out.u16(n);
    } else {
      if (n > 0xffffffff) throw amfError('ERR_AMF_LENGTH_EXCEEDED', `a ${n}-byte string exceeds the AMF0 long string limit`);
      out.u8(0x0c);
      out.u32(n);
    }
    out.ensure(n);
    out.pos += out.buf.write(s, out.pos, 'utf8');
  }

  /** A UTF-8 with a U16 length: property names and class names. */
  private writeShortUtf8(s: string, what: string): void {
    const out = this.out;
    if (s.length <= 0x5555) {
      out.ensure(2 + s.length * 3);
      const p = out.pos;
      const n = out.utf8At(s, p + 2);
      out.buf[p] = n >>> 8;
      out.buf[p + 1] = n & 0xff;
      out.pos = p + 2 + n;
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    if (n > 0xffff) throw amfError('ERR_AMF_LENGTH_EXCEEDED', `a ${n}-byte ${what} exceeds the AMF0 limit of 65535 bytes`);
    out.u16(n);
    out.ensure(n);
    out.pos += out.buf.write(s, out.pos, 'utf8');
  }

  private writeLongUtf8(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    if (n > 0xffffffff) throw amfError('ERR_AMF_LENGTH_EXCEEDED', `a ${n}-byte XML document exceeds the AMF0 limit`);
    this.out.u32(n);
    this.out.ensure(n);
    this.out.pos += this.out.buf.write(s, this.out.pos, 'utf8');
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) {
      throw amfError('ERR_AMF_DEPTH_EXCEEDED', `value nests deeper than maxDepth ${this.maxDepth}`);
    }
  }

  /** §2.9: a reference if `o` was written before (true); else `o` takes the next index. */
  private writeReference(o: object): boolean {
    const index = this.refs.get(o);
    if (index !== undefined && index <= 0xffff) {
      this.out.u8(0x07);
      this.out.u16(index);
      return true;
    }
    // Past 65535 the U16 cannot point at it: write it again (the reader indexes it again too).
    this.refs.set(o, this.refCount++);
    return false;
  }

  private writeObjectValue(o: object): void {
    if (Array.isArray(o)) {
      if (!this.writeReference(o)) this.writeStrictArray(o);
      return;
    }
    const proto = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === null) {
      if ((o as Hidden)[AMF_ECMA_ARRAY] === true) {
        if (!this.writeReference(o)) this.writeEcmaArray(o);
        return;
      }
      this.writeTraitsObject(o, (o as Hidden)[AMF_TRAITS] as AmfTraits | undefined);
      return;
    }
    if (o instanceof Date) {
      this.out.u8(0x0b);
      this.out.double(o.getTime());
      this.out.i16(((o as unknown as Hidden)[AMF_DATE_TIMEZONE] as number | undefined) ?? 0);
      return;
    }
    if (o instanceof Map) {
      if (!this.writeReference(o)) this.writeMap(o);
      return;
    }
    if (o instanceof AmfXmlDocument || o instanceof AmfXml) {
      this.out.u8(0x0f);
      this.writeLongUtf8(o.xml);
      return;
    }
    if (o instanceof AmfUnsupported) {
      this.out.u8(0x0d);
      return;
    }
    if (o instanceof AmfAvmPlus) {
      this.writeAvmPlusValue(o.value);
      return;
    }
    const ctor = proto?.constructor as Function | undefined;
    if (ArrayBuffer.isView(o) || o instanceof AmfVectorObject || (ctor && externalizableByCtor(ctor))) {
      throw amfError(
        'ERR_AMF_UNENCODABLE',
        `${ctor?.name ?? 'this value'} has no AMF0 type: wrap it in AmfAvmPlus or use writeAvmPlus() to send it as AMF3`,
      );
    }
    const cls = ctor && classByCtor(ctor);
    this.writeTraitsObject(o, ((o as Hidden)[AMF_TRAITS] as AmfTraits | undefined) ?? cls?.traits);
  }

  // §2.5 anonymous object, or §2.18 typed object when it has a class alias.
  private writeTraitsObject(o: object, traits: AmfTraits | undefined): void {
    if (this.writeReference(o)) return;
    if (traits?.externalizable) {
      throw amfError(
        'ERR_AMF_UNENCODABLE',
        `externalizable '${traits.className}' has no AMF0 form: wrap it in AmfAvmPlus or use writeAvmPlus()`,
      );
    }
    if (traits && traits.className !== '') {
      this.out.u8(0x10);
      this.writeShortUtf8(traits.className, 'class name');
    } else {
      this.out.u8(0x03);
    }
    this.writeProperties(o);
  }

  private writeProperties(o: object): void {
    this.enter();
    const keys = Object.keys(o);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      this.writeShortUtf8(key, 'property name');
      this.writeValue((o as Record<string, unknown>)[key]);
    }
    this.writeObjectEnd();
    this.depth--;
  }

  private writeObjectEnd(): void {
    this.out.u16(0);
    this.out.u8(0x09);
  }

  // §2.10: the count is the number of properties actually written.
  private writeEcmaArray(o: object): void {
    this.out.u8(0x08);
    this.out.u32(Object.keys(o).length);
    this.writeProperties(o);
  }

  private writeMap(map: Map<unknown, unknown>): void {
    this.out.u8(0x08);
    this.out.u32(map.size);
    this.enter();
    for (const [key, value] of map) {
      if (typeof key !== 'string' && typeof key !== 'number') {
        throw amfError('ERR_AMF_UNENCODABLE', `a Map key of type ${key === null ? 'null' : typeof key} cannot name an AMF0 ECMA array member`);
      }
      this.writeShortUtf8(String(key), 'property name');
      this.writeValue(value);
    }
    this.writeObjectEnd();
    this.depth--;
  }

  // §2.12: holes in a sparse array are written as undefined.
  private writeStrictArray(arr: unknown[]): void {
    this.out.u8(0x0a);
    this.out.u32(arr.length);
    this.enter();
    for (let i = 0; i < arr.length; i++) this.writeValue(arr[i]);
    this.depth--;
  }
}

/** One-shot AMF0: all values share one reference table (one message body). */
export const amf0: AmfCodec = oneShotCodec(() => new Amf0Writer(), (buf, options) => new Amf0Reader(buf, options));
