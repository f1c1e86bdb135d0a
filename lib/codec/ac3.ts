/**
 * AC-3 and E-AC-3 sync frame headers (ATSC A/52 §5.3 and Annex E §E.1.2): Enhanced RTMP ac-3 and
 * ec-3 have no SequenceStart, so sample rate and channels come from the first coded frame.
 */
import { BitReader, codecInvalid } from './bit-reader.js';

export interface Ac3FrameInfo {
  codec: 'ac3' | 'eac3';
  bsid: number;
  sampleRate: number;
  channels: number;
  lfe: boolean;
}

const SAMPLE_RATES = [48000, 44100, 32000];
const REDUCED_SAMPLE_RATES = [24000, 22050, 16000];
/** Full-bandwidth channels per acmod (Table 5.8). */
const ACMOD_CHANNELS = [2, 1, 2, 3, 3, 4, 4, 5];

export function parseAc3Frame(frame: Buffer): Ac3FrameInfo {
  const r = new BitReader(frame, 0, frame.length, 'AC-3 sync frame');
  if (r.bits(16) !== 0x0b77) throw codecInvalid('AC-3 syncword is not 0x0B77');
  if (frame.length < 6) r.skip(64); // raises ERR_CODEC_TRUNCATED
  const bsid = frame[5]! >> 3;
  if (bsid <= 10) {
    r.skip(16); // crc1
    const fscod = r.bits(2);
    if (fscod === 3) throw codecInvalid('AC-3 fscod 3 is reserved');
    r.skip(6 + 5 + 3); // frmsizecod, bsid, bsmod
    const acmod = r.bits(3);
    if ((acmod & 1) !== 0 && acmod !== 1) r.skip(2); // cmixlev
    if ((acmod & 4) !== 0) r.skip(2); // surmixlev
    if (acmod === 2) r.skip(2); // dsurmod
    const lfe = r.flag();
    return { codec: 'ac3', bsid, sampleRate: SAMPLE_RATES[fscod]!, channels: ACMOD_CHANNELS[acmod]! + (lfe ? 1 : 0), lfe };
  }
  if (bsid > 16) throw codecInvalid(`AC-3 bsid ${bsid} is not AC-3 (≤ 10) or E-AC-3 (11..16)`);
  r.skip(2 + 3 + 11); // strmtyp, substreamid, frmsiz
  const fscod = r.bits(2);
  let sampleRate: number;
  if (fscod === 3) {
    const fscod2 = r.bits(2);
    if (fscod2 === 3) throw codecInvalid('E-AC-3 fscod2 3 is reserved');
    sampleRate = REDUCED_SAMPLE_RATES[fscod2]!;
  } else {
    r.skip(2); // numblkscod
    sampleRate = SAMPLE_RATES[fscod]!;
  }
  const acmod = r.bits(3);
  const lfe = r.flag();
  return { codec: 'eac3', bsid, sampleRate, channels: ACMOD_CHANNELS[acmod]! + (lfe ? 1 : 0), lfe };
}
