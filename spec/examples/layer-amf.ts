// AMF0 values ⇄ bytes: one-shot, incremental, and metadata that goes back out exactly as it came.
// Run: node --import tsx layer-amf.ts
import { AMF_ECMA_ARRAY, Amf0Reader, Amf0Writer, amf0, ecmaArray } from '../../lib/amf/index.js';

const bytes = amf0.encode('connect', 1, { app: 'live', tcUrl: 'rtmp://host/live' });
const [name, txId, cmdObj] = amf0.decode(bytes); // AmfError on bad input, never a crash
console.log(name, txId, cmdObj);

// Incremental, as the command layer uses it: one reader/writer per message body.
const reader = new Amf0Reader(bytes, { maxDepth: 32 });
let values = 0;
while (reader.remaining > 0) values += reader.read() === undefined ? 0 : 1; // an AVM+ marker switches to AMF3 for one value
const out = new Amf0Writer().write('_result').write(1).writeAvmPlus({ level: 'status' }).toBuffer();
console.log(`read ${values} values; wrote ${out.length} bytes`);

// Metadata goes back out exactly as it came in: ECMA arrays decode to marked plain objects.
const onMetaDataPayload = amf0.encode('onMetaData', ecmaArray({ width: 1280 })); // build one yourself
const [, meta] = amf0.decode(onMetaDataPayload);
console.log((meta as Record<symbol, unknown>)[AMF_ECMA_ARRAY] === true, amf0.encode('onMetaData', meta).equals(onMetaDataPayload));
