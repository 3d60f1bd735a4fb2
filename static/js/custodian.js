/*
 * A custodian's own side of a sealed-bid opening, in the browser (docs/sealed-bids.md,
 * "Opening without giving the server your passphrase").
 *
 * From the share bundle the station hands a custodian for one round, and the passphrase
 * the custodian types (which never leaves this page), compute the custodian's share of
 * that round's opening key, exactly as bidding/crypto.py `open_share_with_passphrase`
 * does on the server or offline (`python -m bidding.custodian open-share`):
 *
 *   1. passphrase -> NFC, surrounding white space removed (`normalise_passphrase`);
 *   2. scrypt (RFC 7914) with the salt and the (log2 N, r, p) of the key blob's "CK1"
 *      header -> a 32-byte key; AES-256-GCM opens the custodian's X25519 private key;
 *   3. its public half must be the bundle's public key;
 *   4. HPKE base mode (RFC 9180: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM)
 *      opens the sealed share with info "station-share/v2" 0 code 0 round 0 part 0 index;
 *   5. SHA-256 of the share must be the digest published in `opening_key.created`.
 *
 * The result, the share in hex, rebuilds that round's key (with the other custodians'
 * shares) and nothing else; it is what the opening form sends.
 *
 * No dependencies: WebCrypto does PBKDF2, HMAC, AES-GCM, X25519 and SHA-256; scrypt's
 * Salsa20/8 mixing is written out below. An ES module; loaded with
 * <script type="module" src=".../custodian.js"> it also sets window.StationCustodian
 * (before DOMContentLoaded), for the page's classic scripts.
 *
 *   const shareHex = await StationCustodian.openShareWithPassphrase(bundleJsonText, passphrase,
 *                                                                   {onProgress: f => ...});
 *
 * Errors the custodian can cause are CustodianSecretError, with an English `message`
 * (the same as Python's) and a stable `reason` for the page to translate:
 * "bundle", "wrong_passphrase", "key_mismatch", "share_does_not_open", "share_mismatch",
 * and "unsupported_browser" (no X25519 in this browser's WebCrypto: see isSupported()).
 */

// --- bytes ------------------------------------------------------------------------------

const ASCII_PRINTABLE_RE = /^[\x21-\x7e]{1,64}$/;
const PART_RE = /^[a-z][a-z0-9_-]{0,15}$/;
const LOWER_HEX_RE = /^(?:[0-9a-f]{2})+$/;
const utf8 = new TextEncoder();

function hexToBytes(hex) {
  if (typeof hex !== "string" || !(hex === "" || LOWER_HEX_RE.test(hex))) {
    throw new TypeError("not lowercase hexadecimal");
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

function bytesToHex(bytes) {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

function concatBytes(...parts) {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function ascii(text) {
  return utf8.encode(text); // only ever called on ASCII text
}

function i2osp2(n) {
  return new Uint8Array([(n >> 8) & 0xff, n & 0xff]); // RFC 9180 section 3: I2OSP(n, 2)
}

function webCrypto() {
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (!subtle) {
    throw new Error("this browser offers no WebCrypto here: open the page over HTTPS");
  }
  return subtle;
}

// --- errors ------------------------------------------------------------------------------

export class CustodianSecretError extends Error {
  constructor(message, reason) {
    super(message);
    this.name = "CustodianSecretError";
    this.reason = reason;
  }
}

// --- the passphrase, as bidding/crypto.py normalise_passphrase --------------------------

// Python's str.strip() removes the characters for which str.isspace() is true; JavaScript's
// trim() differs (it keeps U+001C..U+001F and U+0085, removes U+FEFF), so the set is spelled out.
const PYTHON_WHITESPACE =
  "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006" +
  "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

export function normalisePassphrase(passphrase) {
  const text = String(passphrase).normalize("NFC");
  let start = 0;
  let end = text.length;
  while (start < end && PYTHON_WHITESPACE.includes(text[start])) start++;
  while (end > start && PYTHON_WHITESPACE.includes(text[end - 1])) end--;
  return text.slice(start, end);
}

// --- scrypt (RFC 7914) ---------------------------------------------------------------------

// RFC 7914 section 3: the Salsa20/8 core on 16 little-endian 32-bit words, B[bo..bo+16) in place.
function salsa20_8(B, bo) {
  let x0 = B[bo], x1 = B[bo + 1], x2 = B[bo + 2], x3 = B[bo + 3];
  let x4 = B[bo + 4], x5 = B[bo + 5], x6 = B[bo + 6], x7 = B[bo + 7];
  let x8 = B[bo + 8], x9 = B[bo + 9], x10 = B[bo + 10], x11 = B[bo + 11];
  let x12 = B[bo + 12], x13 = B[bo + 13], x14 = B[bo + 14], x15 = B[bo + 15];
  let u;
  for (let i = 0; i < 8; i += 2) {
    // Column round.
    u = (x0 + x12) | 0; x4 ^= (u << 7) | (u >>> 25);
    u = (x4 + x0) | 0; x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x4) | 0; x12 ^= (u << 13) | (u >>> 19);
    u = (x12 + x8) | 0; x0 ^= (u << 18) | (u >>> 14);
    u = (x5 + x1) | 0; x9 ^= (u << 7) | (u >>> 25);
    u = (x9 + x5) | 0; x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x9) | 0; x1 ^= (u << 13) | (u >>> 19);
    u = (x1 + x13) | 0; x5 ^= (u << 18) | (u >>> 14);
    u = (x10 + x6) | 0; x14 ^= (u << 7) | (u >>> 25);
    u = (x14 + x10) | 0; x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x14) | 0; x6 ^= (u << 13) | (u >>> 19);
    u = (x6 + x2) | 0; x10 ^= (u << 18) | (u >>> 14);
    u = (x15 + x11) | 0; x3 ^= (u << 7) | (u >>> 25);
    u = (x3 + x15) | 0; x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x3) | 0; x11 ^= (u << 13) | (u >>> 19);
    u = (x11 + x7) | 0; x15 ^= (u << 18) | (u >>> 14);
    // Row round.
    u = (x0 + x3) | 0; x1 ^= (u << 7) | (u >>> 25);
    u = (x1 + x0) | 0; x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x1) | 0; x3 ^= (u << 13) | (u >>> 19);
    u = (x3 + x2) | 0; x0 ^= (u << 18) | (u >>> 14);
    u = (x5 + x4) | 0; x6 ^= (u << 7) | (u >>> 25);
    u = (x6 + x5) | 0; x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x6) | 0; x4 ^= (u << 13) | (u >>> 19);
    u = (x4 + x7) | 0; x5 ^= (u << 18) | (u >>> 14);
    u = (x10 + x9) | 0; x11 ^= (u << 7) | (u >>> 25);
    u = (x11 + x10) | 0; x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x11) | 0; x9 ^= (u << 13) | (u >>> 19);
    u = (x9 + x8) | 0; x10 ^= (u << 18) | (u >>> 14);
    u = (x15 + x14) | 0; x12 ^= (u << 7) | (u >>> 25);
    u = (x12 + x15) | 0; x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x12) | 0; x14 ^= (u << 13) | (u >>> 19);
    u = (x14 + x13) | 0; x15 ^= (u << 18) | (u >>> 14);
  }
  B[bo] += x0; B[bo + 1] += x1; B[bo + 2] += x2; B[bo + 3] += x3;
  B[bo + 4] += x4; B[bo + 5] += x5; B[bo + 6] += x6; B[bo + 7] += x7;
  B[bo + 8] += x8; B[bo + 9] += x9; B[bo + 10] += x10; B[bo + 11] += x11;
  B[bo + 12] += x12; B[bo + 13] += x13; B[bo + 14] += x14; B[bo + 15] += x15;
}

// RFC 7914 section 4: scryptBlockMix on the 2r 64-byte blocks of B (32r words from B[0]),
// in place; X is 16 words and Y 32r words of scratch. (Index arithmetic rather than
// subarray views: this runs 2N times per derivation.)
function blockMix(B, X, Y, r) {
  const last = (2 * r - 1) * 16;
  for (let w = 0; w < 16; w++) X[w] = B[last + w]; // 1. X = B[2r - 1]
  for (let i = 0; i < 2 * r; i++) {
    const b = i * 16;
    for (let w = 0; w < 16; w++) X[w] ^= B[b + w]; // 2. T = X xor B[i]
    salsa20_8(X, 0); //                                   X = Salsa(T)
    // Y[i] = X, stored straight at its place in the output
    // 3. B' = (Y[0], Y[2], ..., Y[2r - 2], Y[1], Y[3], ..., Y[2r - 1])
    const y = ((i & 1) === 0 ? i >> 1 : r + (i >> 1)) * 16;
    for (let w = 0; w < 16; w++) Y[y + w] = X[w];
  }
  B.set(Y);
}

// Let the page repaint: scheduler.yield() where the browser has it (no 4 ms timer clamp).
function nextTask() {
  const scheduler = globalThis.scheduler;
  if (scheduler && typeof scheduler.yield === "function") return scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

// RFC 7914 section 5: scryptROMix on one 128r-byte block X (32r words), in place; V holds
// N blocks. Yields to the page's event loop 16 times per loop when it reports progress.
async function roMix(X, N, r, V, scratchX, Y, progress) {
  const words = 32 * r;
  const step = Math.max(1, N >>> 4);
  for (let i = 0; i < N; i++) { // 2. V[i] = X; X = BlockMix(X)
    V.set(X, i * words);
    blockMix(X, scratchX, Y, r);
    if (progress && (i + 1) % step === 0) await progress((i + 1) / (2 * N));
  }
  for (let i = 0; i < N; i++) { // 3. j = Integerify(X) mod N; X = BlockMix(X xor V[j])
    // Integerify: block 2r - 1 as a little-endian integer; its first word suffices (N <= 2^20).
    const j = X[(2 * r - 1) * 16] & (N - 1);
    for (let w = 0; w < words; w++) X[w] ^= V[j * words + w];
    blockMix(X, scratchX, Y, r);
    if (progress && (i + 1) % step === 0) await progress((N + i + 1) / (2 * N));
  }
}

async function pbkdf2Sha256OneIteration(password, salt, length) {
  const subtle = webCrypto();
  const key = await subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
  const bits = await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 1 }, key,
                                       length * 8);
  return new Uint8Array(bits);
}

// RFC 7914 section 6: scrypt(P, S, N, r, p, dkLen). `onProgress(fraction)`, if given, is
// called as the work goes on (and lets the page repaint between calls).
async function scrypt(password, salt, N, r, p, dkLen, onProgress) {
  if (!(N > 1 && (N & (N - 1)) === 0 && N <= 2 ** 20 && r >= 1 && p >= 1)) {
    throw new RangeError("scrypt parameters out of range");
  }
  const words = 32 * r;
  // 1. B = PBKDF2-HMAC-SHA256(P, S, 1, p * 128 * r), read as little-endian words.
  const bytes = await pbkdf2Sha256OneIteration(password, salt, p * 128 * r);
  const view = new DataView(bytes.buffer);
  const B = new Uint32Array(p * words);
  for (let i = 0; i < B.length; i++) B[i] = view.getUint32(4 * i, true);
  const V = new Uint32Array(N * words);
  const X = new Uint32Array(16);
  const Y = new Uint32Array(words);
  // 2. B[i] = scryptROMix(r, B[i], N) for each of the p blocks.
  for (let i = 0; i < p; i++) {
    const progress = onProgress && (async (f) => { onProgress((i + f) / p); await nextTask(); });
    await roMix(B.subarray(i * words, (i + 1) * words), N, r, V, X, Y, progress);
  }
  for (let i = 0; i < B.length; i++) view.setUint32(4 * i, B[i], true);
  V.fill(0); // best effort: the memory-hard state is derived from the passphrase
  B.fill(0);
  Y.fill(0);
  // 3. DK = PBKDF2-HMAC-SHA256(P, B, 1, dkLen).
  const dk = await pbkdf2Sha256OneIteration(password, bytes, dkLen);
  bytes.fill(0);
  return dk;
}

// --- HKDF and HPKE (RFC 5869, RFC 9180) ------------------------------------------------------

async function hmacSha256(key, data) {
  // An empty HKDF salt means HashLen zero bytes (RFC 5869 section 2.2); HMAC pads short keys
  // with zeros, so this is the same function, and WebCrypto refuses empty HMAC keys.
  const subtle = webCrypto();
  const raw = key.length ? key : new Uint8Array(32);
  const hmacKey = await subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await subtle.sign("HMAC", hmacKey, data));
}

// RFC 5869 section 2.3: HKDF-Expand(PRK, info, L).
async function hkdfExpand(prk, info, length) {
  const out = new Uint8Array(length);
  let block = new Uint8Array(0);
  for (let i = 1, filled = 0; filled < length; i++) {
    block = await hmacSha256(prk, concatBytes(block, info, new Uint8Array([i])));
    out.set(block.subarray(0, Math.min(32, length - filled)), filled);
    filled += 32;
  }
  return out;
}

const HPKE_V1 = ascii("HPKE-v1");

// RFC 9180 section 4: LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id || label || ikm).
function labeledExtract(suiteId, salt, label, ikm) {
  return hmacSha256(salt, concatBytes(HPKE_V1, suiteId, ascii(label), ikm));
}

// RFC 9180 section 4: LabeledExpand(prk, label, info, L), with I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info.
function labeledExpand(suiteId, prk, label, info, length) {
  return hkdfExpand(prk, concatBytes(i2osp2(length), HPKE_V1, suiteId, ascii(label), info), length);
}

// RFC 7748 X25519 through WebCrypto: the raw private scalar is wrapped in PKCS#8 (RFC 8410:
// SEQUENCE { version 0, AlgorithmIdentifier { id-X25519 1.3.101.110 }, OCTET STRING { OCTET STRING key } }).
const X25519_PKCS8_PREFIX = hexToBytes("302e020100300506032b656e04220420");
const X25519_BASE_POINT = concatBytes(new Uint8Array([9]), new Uint8Array(31));

async function x25519(privateRaw, publicRaw) {
  const subtle = webCrypto();
  const privateKey = await subtle.importKey("pkcs8", concatBytes(X25519_PKCS8_PREFIX, privateRaw),
                                            { name: "X25519" }, false, ["deriveBits"]);
  const publicKey = await subtle.importKey("raw", publicRaw, { name: "X25519" }, true, []);
  return new Uint8Array(await subtle.deriveBits({ name: "X25519", public: publicKey }, privateKey, 256));
}

// Whether this browser's WebCrypto has X25519 (Chrome and Edge 133+, Firefox 130+, recent
// Safari): a page can offer the offline tool instead before the custodian types anything.
export async function isSupported() {
  try {
    await x25519PublicKey(new Uint8Array(32).fill(7));
    return true;
  } catch {
    return false;
  }
}

// The public half of an X25519 private key: X25519(sk, 9).
function x25519PublicKey(privateRaw) {
  return x25519(privateRaw, X25519_BASE_POINT);
}

// The suite of bidding/crypto.py SUITE: KEM 0x0020 DHKEM(X25519, HKDF-SHA256), KDF 0x0001
// HKDF-SHA256, AEAD 0x0001 AES-128-GCM (RFC 9180 section 7).
const KEM_SUITE_ID = concatBytes(ascii("KEM"), i2osp2(0x0020)); // section 4.1
const HPKE_SUITE_ID = concatBytes(ascii("HPKE"), i2osp2(0x0020), i2osp2(0x0001), i2osp2(0x0001)); // section 5.1
const N_ENC = 32, N_SECRET = 32, N_K = 16, N_N = 12;

// RFC 9180 sections 4.1 (DHKEM Decap), 5.1 (KeySchedule, mode_base), 5.1.1 (SetupBaseR) and 5.2
// (Open at sequence number 0), i.e. single-shot Open as `cryptography`'s Suite.decrypt:
// the sealed bytes are enc (32) || ciphertext with its 16-byte tag; the AAD is empty there.
async function hpkeOpenBase(skR, pkR, sealed, info, aad = new Uint8Array(0)) {
  if (sealed.length < N_ENC + 16) throw new RangeError("too short for an HPKE envelope");
  const enc = sealed.subarray(0, N_ENC);
  const ciphertext = sealed.subarray(N_ENC);
  // Decap: dh = DH(skR, pkE); kem_context = enc || pkRm; shared_secret = ExtractAndExpand(dh, kem_context).
  const dh = await x25519(skR, enc);
  const eaePrk = await labeledExtract(KEM_SUITE_ID, new Uint8Array(0), "eae_prk", dh);
  const sharedSecret = await labeledExpand(KEM_SUITE_ID, eaePrk, "shared_secret", concatBytes(enc, pkR),
                                           N_SECRET);
  // KeySchedule(mode_base = 0x00, shared_secret, info, psk = "", psk_id = "").
  const pskIdHash = await labeledExtract(HPKE_SUITE_ID, new Uint8Array(0), "psk_id_hash", new Uint8Array(0));
  const infoHash = await labeledExtract(HPKE_SUITE_ID, new Uint8Array(0), "info_hash", info);
  const context = concatBytes(new Uint8Array([0x00]), pskIdHash, infoHash);
  const secret = await labeledExtract(HPKE_SUITE_ID, sharedSecret, "secret", new Uint8Array(0));
  const key = await labeledExpand(HPKE_SUITE_ID, secret, "key", context, N_K);
  const baseNonce = await labeledExpand(HPKE_SUITE_ID, secret, "base_nonce", context, N_N);
  // Open with nonce = base_nonce xor I2OSP(seq = 0, Nn) = base_nonce.
  const subtle = webCrypto();
  const aesKey = await subtle.importKey("raw", key, "AES-GCM", false, ["decrypt"]);
  return new Uint8Array(await subtle.decrypt({ name: "AES-GCM", iv: baseNonce, additionalData: aad, tagLength: 128 },
                                             aesKey, ciphertext));
}

// --- the share bundle, as bidding/crypto.py parse_bundle --------------------------------------

const KEY_BLOB_SIZE = 6 + 32 + 16;
const SEALED_SHARE_SIZE = 32 + 32 + 16;
const BUNDLE_MAX_CHARS = 4096;
const HEX_FIELDS = { public_key: 32, salt: 16, nonce: 12, key_blob: KEY_BLOB_SIZE,
                     sealed_share: SEALED_SHARE_SIZE, share_sha256: 32 };
const BUNDLE_KEYS = ["v", "code", "round", "part", "index", "label", ...Object.keys(HEX_FIELDS)];
// What a key blob's header may ask for (bidding/crypto.py SCRYPT_*_BOUNDS).
const SCRYPT_BOUNDS = { log2N: [10, 20], r: [1, 16], p: [1, 4] };

function bundleError(message) {
  return new CustodianSecretError(message, "bundle");
}

// The HPKE info of a share (bidding/crypto.py share_info): "station-share/v2" 0 code 0 round 0 part 0 index.
export function shareInfo(code, round, part, index) {
  if (typeof code !== "string" || !ASCII_PRINTABLE_RE.test(code)) {
    throw new RangeError("the transaction code is 1 to 64 printable ASCII characters");
  }
  if (!Number.isInteger(round) || round < 1 || round >= 2 ** 31) {
    throw new RangeError("the round is a whole number from 1");
  }
  if (typeof part !== "string" || !PART_RE.test(part)) {
    throw new RangeError("the part is a short lowercase ASCII name, e.g. offer");
  }
  if (!Number.isInteger(index) || index < 1 || index > 255) {
    throw new RangeError("a share index is a whole number from 1 to 255");
  }
  return ascii(`station-share/v2\x00${code}\x00${round}\x00${part}\x00${index}`);
}

function scryptParameters(blob) {
  if (blob.length !== KEY_BLOB_SIZE || blob[0] !== 0x43 || blob[1] !== 0x4b || blob[2] !== 0x31) { // "CK1"
    throw bundleError("not a stored custodian key");
  }
  const [log2N, r, p] = [blob[3], blob[4], blob[5]];
  const inBounds = (value, [low, high]) => low <= value && value <= high;
  if (!(inBounds(log2N, SCRYPT_BOUNDS.log2N) && inBounds(r, SCRYPT_BOUNDS.r) && inBounds(p, SCRYPT_BOUNDS.p))) {
    throw bundleError("the stored custodian key has out-of-range scrypt parameters");
  }
  return { log2N, r, p };
}

// JSON.parse keeps the last of two equal keys; Python's parse_bundle refuses them. The
// bundle's values are all scalars (checked before), so every string followed by ":" is a key.
function repeatedKey(text) {
  const seen = new Set();
  for (const match of text.matchAll(/"(?:[^"\\]|\\.)*"(?=\s*:)/g)) {
    const key = JSON.parse(match[0]);
    if (seen.has(key)) return key;
    seen.add(key);
  }
  return null;
}

// The bundle in `input` (its JSON text, or the object it parses to), checked strictly as
// bidding/crypto.py parse_bundle does; CustodianSecretError (reason "bundle") otherwise.
export function parseBundle(input) {
  let data = input;
  if (typeof input === "string") {
    if (input.length > BUNDLE_MAX_CHARS) throw bundleError(`a share bundle has at most ${BUNDLE_MAX_CHARS} characters`);
    try {
      data = JSON.parse(input);
    } catch {
      throw bundleError("a share bundle is JSON text (this is not JSON, or a key appears twice)");
    }
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw bundleError("a share bundle is a JSON object");
  }
  if (Object.values(data).some((value) => value !== null && typeof value === "object")) {
    throw bundleError("not a share bundle: its values are numbers and strings");
  }
  if (typeof input === "string" && repeatedKey(input) !== null) {
    throw bundleError("a share bundle is JSON text (this is not JSON, or a key appears twice)");
  }
  const keys = Object.keys(data);
  const missing = BUNDLE_KEYS.filter((key) => !keys.includes(key)).sort();
  const unknown = keys.filter((key) => !BUNDLE_KEYS.includes(key)).sort();
  if (missing.length || unknown.length) {
    const problems = [];
    if (missing.length) problems.push(`missing ${missing.join(", ")}`);
    if (unknown.length) problems.push(`unknown ${unknown.join(", ")}`);
    throw bundleError(`not a share bundle: ${problems.join("; ")}`);
  }
  if (data.v !== 1) throw bundleError("not a version 1 share bundle");
  const raw = {};
  for (const [name, size] of Object.entries(HEX_FIELDS)) {
    const value = data[name];
    if (typeof value !== "string" || value.length !== 2 * size || !LOWER_HEX_RE.test(value)) {
      throw bundleError(`the share bundle's ${name} is ${2 * size} lowercase hexadecimal digits`);
    }
    raw[name] = hexToBytes(value);
  }
  let info;
  try {
    info = shareInfo(data.code, data.round, data.part, data.index);
  } catch (error) {
    throw bundleError(`the share bundle names no share: ${error.message}`);
  }
  if (typeof data.label !== "string" || !ASCII_PRINTABLE_RE.test(data.label)) {
    throw bundleError("the share bundle's label is 1 to 64 printable ASCII characters");
  }
  return {
    code: data.code, round: data.round, part: data.part, index: data.index, label: data.label,
    publicKey: raw.public_key, salt: raw.salt, nonce: raw.nonce, keyBlob: raw.key_blob,
    sealedShare: raw.sealed_share, shareSha256: data.share_sha256,
    scrypt: scryptParameters(raw.key_blob), info,
  };
}

// --- the custodian's computation ---------------------------------------------------------------

// bidding/crypto.py _aad: "custodian-key/v1" 0x00 label 0x00 header.
function keyAad(header, label) {
  return concatBytes(ascii("custodian-key/v1\x00"), ascii(label), new Uint8Array([0]), header);
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * The custodian's share of the bundle's round, in lowercase hex, from the bundle (JSON text
 * or its object) and the custodian's passphrase; bidding/crypto.py open_share_with_passphrase.
 * options.onProgress(fraction in 0..1) is called during scrypt, the slow part (at N = 2^17
 * about a second or two, and 128 MiB of memory); without it the page does not repaint meanwhile.
 */
export async function openShareWithPassphrase(bundleInput, passphrase, options = {}) {
  const bundle = parseBundle(bundleInput);
  const subtle = webCrypto();
  if (!(await isSupported())) {
    throw new CustodianSecretError("this browser's WebCrypto has no X25519: use the offline tool "
                                   + "(python -m bidding.custodian open-share)", "unsupported_browser");
  }
  const { log2N, r, p } = bundle.scrypt;
  const password = utf8.encode(normalisePassphrase(passphrase));
  // 1-2. Unlock the custodian key: scrypt, then AES-256-GCM with the header authenticated.
  const passphraseKey = await scrypt(password, bundle.salt, 2 ** log2N, r, p, 32, options.onProgress);
  password.fill(0);
  const header = bundle.keyBlob.subarray(0, 6);
  const aesKey = await subtle.importKey("raw", passphraseKey, "AES-GCM", false, ["decrypt"]);
  passphraseKey.fill(0);
  let privateRaw;
  try {
    privateRaw = new Uint8Array(await subtle.decrypt(
      { name: "AES-GCM", iv: bundle.nonce, additionalData: keyAad(header, bundle.label), tagLength: 128 },
      aesKey, bundle.keyBlob.subarray(6)));
  } catch {
    throw new CustodianSecretError("wrong custodian passphrase", "wrong_passphrase");
  }
  try {
    // 3. The key is the one whose public half the bundle names.
    if (!sameBytes(await x25519PublicKey(privateRaw), bundle.publicKey)) {
      throw new CustodianSecretError("the custodian key does not match its public half", "key_mismatch");
    }
    // 4. Open this round's share (HPKE, info naming the transaction, round, part and index).
    let share;
    try {
      share = await hpkeOpenBase(privateRaw, bundle.publicKey, bundle.sealedShare, bundle.info);
    } catch {
      throw new CustodianSecretError(
        "this share does not open with the custodian's key (for this transaction, round, part and index)",
        "share_does_not_open");
    }
    // 5. It is the share whose digest was published when the opening key was made.
    if (bytesToHex(await subtle.digest("SHA-256", share)) !== bundle.shareSha256) {
      throw new CustodianSecretError(
        "the share opened is not the one published when the opening key was made (its SHA-256 differs)",
        "share_mismatch");
    }
    return bytesToHex(share);
  } finally {
    privateRaw.fill(0);
  }
}

// The building blocks, for the known-answer tests (tests/js/custodian.test.mjs).
export const _internal = Object.freeze({
  scrypt, salsa20_8, hpkeOpenBase, x25519, x25519PublicKey, hkdfExpand, labeledExtract, labeledExpand,
  hexToBytes, bytesToHex,
});

const api = Object.freeze({
  openShareWithPassphrase, parseBundle, shareInfo, normalisePassphrase, isSupported, CustodianSecretError,
});
if (typeof window !== "undefined") window.StationCustodian = api;
