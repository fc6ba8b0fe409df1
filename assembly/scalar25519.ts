// Arithmetic modulo the order of the Ed25519 base point,
// L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 section 5.1).
//
// Integers are held as signed 64-bit limbs in radix 2^21 in a static scratch
// area. Reduction uses 2^252 = -l0 (mod L), where l0 = L - 2^252 < 2^125:
// the part above bit 252 is multiplied by l0 and subtracted from the part
// below, three times, which brings any 512-bit value into (-L, 2L); a final
// selection by masks picks the one of v - L, v, v + L that lies in [0, L).
// Loop bounds and memory indexes depend only on lengths, never on values,
// so every function except scIsCanonical runs in constant time.

const LIMB_BITS: i64 = 21;
const LIMB_MASK: i64 = (1 << 21) - 1;

// L in radix 2^21: limbs 0..5 are the digits of l0, limbs 6..11 are zero and
// limb 12 is 1 (bit 252).
const L_LIMBS: usize = memory.data<i64>([
  1430509, 1626855, 1442968, 997804, 1960495, 683900, 0, 0, 0, 0, 0, 0, 1,
]);

// L as 32 little-endian bytes, for the public range check on S.
const L_BYTES: usize = memory.data<u8>([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
]);

// Scratch: the working value (32 limbs), the high part being folded (16),
// the two correction candidates (13 each) and the three operands of
// scMulAdd (13 each). Every limb is 8 bytes.
const SCRATCH_LIMBS: usize = 32 + 16 + 13 * 2 + 13 * 3;
const SCRATCH: usize = memory.data(<i32>(SCRATCH_LIMBS * 8), 16);
const WORK: usize = SCRATCH;
const HIGH: usize = WORK + 32 * 8;
const MINUS_L: usize = HIGH + 16 * 8;
const PLUS_L: usize = MINUS_L + 13 * 8;
const OPERAND_A: usize = PLUS_L + 13 * 8;
const OPERAND_B: usize = OPERAND_A + 13 * 8;
const OPERAND_C: usize = OPERAND_B + 13 * 8;

/** Overwrites the scalar scratch area with zeros. */
export function scWipeScratch(): void {
  memory.fill(SCRATCH, 0, SCRATCH_LIMBS * 8);
}

// @ts-ignore: decorator
@inline function limb(base: usize, i: usize): i64 {
  return load<i64>(base + (i << 3));
}

// @ts-ignore: decorator
@inline function setLimb(base: usize, i: usize, value: i64): void {
  store<i64>(base + (i << 3), value);
}

// Reads bits [21 i, 21 i + 21) of the little-endian integer at `input` for
// i < count - 1; the last limb takes the bits that remain in `byteLength`
// bytes. Reads never go past the input.
function loadLimbs(limbs: usize, input: usize, byteLength: usize, count: usize): void {
  for (let i: usize = 0; i < count - 1; i++) {
    const bit = i * 21;
    setLimb(limbs, i, (<i64>load<u32>(input + (bit >> 3)) >> <i64>(bit & 7)) & LIMB_MASK);
  }

  const lastBit = (count - 1) * 21;
  let last: i64 = 0;
  for (let byte = lastBit >> 3; byte < byteLength; byte++) {
    last |= <i64>load<u8>(input + byte) << <i64>(byte * 8 - (lastBit & ~7));
  }
  setLimb(limbs, count - 1, last >> <i64>(lastBit & 7));
}

// Carries limbs first..last-1 into the next limb, rounding down, so they end
// up in [0, 2^21) and limb `last` keeps the sign.
function carry(limbs: usize, first: usize, last: usize): void {
  for (let i = first; i < last; i++) {
    const value = limb(limbs, i);
    const c = value >> LIMB_BITS;
    setLimb(limbs, i, value - (c << LIMB_BITS));
    setLimb(limbs, i + 1, limb(limbs, i + 1) + c);
  }
}

// Replaces WORK[0..count) = low + high * 2^252 by low - high * l0 and carries
// it; returns the new limb count.
function foldHigh(count: usize): usize {
  const highCount = count - 12;
  for (let k: usize = 0; k < highCount; k++) {
    setLimb(HIGH, k, limb(WORK, 12 + k));
    setLimb(WORK, 12 + k, 0);
  }

  for (let k: usize = 0; k < highCount; k++) {
    const h = limb(HIGH, k);
    for (let j: usize = 0; j < 6; j++) {
      setLimb(WORK, k + j, limb(WORK, k + j) - h * limb(L_LIMBS, j));
    }
  }

  const top = max<usize>(highCount + 5, 12);
  carry(WORK, 0, top);
  return top + 1;
}

// Reduces the 25-limb value in WORK (limbs 0..23 in [0, 2^21), limb 24 below
// 2^8) modulo L and writes 32 little-endian bytes to `output`.
function reduceWork(output: usize): void {
  let count = foldHigh(25); // value in (-2^385, 2^252), 19 limbs
  count = foldHigh(count); //  value in (-2^258, 2^258), 13 limbs
  foldHigh(count); //          value v in (-2^131, 2^252 + 2^131), limb 12 in {-1, 0, 1}

  for (let i: usize = 0; i < 13; i++) {
    setLimb(MINUS_L, i, limb(WORK, i) - limb(L_LIMBS, i));
    setLimb(PLUS_L, i, limb(WORK, i) + limb(L_LIMBS, i));
  }
  carry(MINUS_L, 0, 12);
  carry(PLUS_L, 0, 12);

  // Exactly one of v - L, v, v + L lies in [0, L): take v - L when it is
  // non-negative, otherwise v when v is non-negative, otherwise v + L.
  const useMinus = ~(limb(MINUS_L, 12) >> 63);
  const negative = limb(WORK, 12) >> 63;
  for (let i: usize = 0; i < 13; i++) {
    const inRange = (limb(PLUS_L, i) & negative) | (limb(WORK, i) & ~negative);
    setLimb(WORK, i, (limb(MINUS_L, i) & useMinus) | (inRange & ~useMinus));
  }

  for (let byte: usize = 0; byte < 32; byte++) {
    const bit = byte * 8;
    const i = bit / 21;
    const shift = <i64>(bit % 21);
    let value = limb(WORK, i) >> shift;
    if (i < 12) value |= limb(WORK, i + 1) << (LIMB_BITS - shift);
    store<u8>(output + byte, <u8>value);
  }
}

/** Writes the 64-byte little-endian integer at `input` reduced modulo L to the 32 bytes at `output`. */
export function scReduce64(output: usize, input: usize): void {
  loadLimbs(WORK, input, 64, 25);
  reduceWork(output);
}

/**
 * Writes (a * b + c) mod L to the 32 bytes at `output`; a, b and c are
 * 32-byte little-endian integers (any 256-bit value).
 */
export function scMulAdd(output: usize, a: usize, b: usize, c: usize): void {
  loadLimbs(OPERAND_A, a, 32, 13);
  loadLimbs(OPERAND_B, b, 32, 13);
  loadLimbs(OPERAND_C, c, 32, 13);

  // Column sums stay below 13 * 2^42 + 2^21 < 2^46.
  for (let k: usize = 0; k < 25; k++) {
    let sum: i64 = k < 13 ? limb(OPERAND_C, k) : 0;
    const first: usize = k < 13 ? 0 : k - 12;
    const last: usize = k < 13 ? k : 12;
    for (let i = first; i <= last; i++) sum += limb(OPERAND_A, i) * limb(OPERAND_B, k - i);
    setLimb(WORK, k, sum);
  }
  carry(WORK, 0, 24);

  reduceWork(output);
}

/** Returns 1 when the 32-byte little-endian integer at `s` is below L, else 0. Variable time: for public values. */
export function scIsCanonical(s: usize): i32 {
  for (let i = 31; i >= 0; i--) {
    const byte = load<u8>(s + i);
    const bound = load<u8>(L_BYTES + i);
    if (byte != bound) return i32(byte < bound);
  }
  return 0;
}
