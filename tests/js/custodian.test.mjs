// static/js/custodian.js against the published test vectors (RFC 7914, RFC 9180) and
// against bidding/crypto.py (the vectors tests/js/make_vectors.py writes: CUSTODIAN_VECTORS,
// or the committed tests/js/vectors.json). Run: node --test tests/js/
// Node's own WebCrypto (globalThis.crypto.subtle) runs the module unchanged, as a browser does.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import {
  _internal,
  CustodianSecretError,
  isSupported,
  normalisePassphrase,
  openShareWithPassphrase,
  parseBundle,
  shareInfo,
} from "../../static/js/custodian.js";

const { scrypt, hpkeOpenBase, x25519PublicKey, labeledExtract, labeledExpand, hexToBytes, bytesToHex } = _internal;
const vectorsPath = process.env.CUSTODIAN_VECTORS || new URL("./vectors.json", import.meta.url);
const vectors = JSON.parse(readFileSync(vectorsPath, "utf8"));
const ascii = (text) => new TextEncoder().encode(text);

async function refusal(promise) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CustodianSecretError, `not a CustodianSecretError: ${error}`);
    return error;
  }
  assert.fail("it was not refused");
}

describe("scrypt (RFC 7914 section 12)", () => {
  const cases = [
    ["", "", 16, 1, 1,
     "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442" +
     "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"],
    ["password", "NaCl", 1024, 8, 16,
     "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162" +
     "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"],
    ["pleaseletmein", "SodiumChloride", 16384, 8, 1,
     "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2" +
     "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"],
  ];
  for (const [password, salt, N, r, p, expected] of cases) {
    test(`scrypt(${JSON.stringify(password)}, ${JSON.stringify(salt)}, N=${N}, r=${r}, p=${p})`, async () => {
      assert.equal(bytesToHex(await scrypt(ascii(password), ascii(salt), N, r, p, 64)), expected);
    });
  }

  test("the same as Python's hashlib.scrypt (OpenSSL) for other r and p", async () => {
    for (const v of vectors.scrypt) {
      const dk = await scrypt(hexToBytes(v.password), hexToBytes(v.salt), v.N, v.r, v.p, v.dkLen);
      assert.equal(bytesToHex(dk), v.dk, JSON.stringify(v));
    }
  });

  test("progress is reported, up to the end", async () => {
    const seen = [];
    await scrypt(ascii("pw"), ascii("salt"), 1024, 8, 2, 32, (f) => seen.push(f));
    assert.ok(seen.length >= 16 && seen.every((f, i) => f > 0 && f <= 1 && (i === 0 || f > seen[i - 1])));
    assert.equal(seen.at(-1), 1);
  });
});

describe("HPKE (RFC 9180 appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base)", () => {
  const a11 = {
    info: "4f6465206f6e2061204772656369616e2055726e",
    skEm: "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736",
    pkEm: "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
    skRm: "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
    pkRm: "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d",
    enc: "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
    sharedSecret: "fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc",
    pt: "4265617574792069732074727574682c20747275746820626561757479",
    aad0: "436f756e742d30",
    ct0: "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a",
  };

  test("X25519 public keys from private keys (PKCS#8 import, DH with the base point)", async () => {
    assert.equal(bytesToHex(await x25519PublicKey(hexToBytes(a11.skRm))), a11.pkRm);
    assert.equal(bytesToHex(await x25519PublicKey(hexToBytes(a11.skEm))), a11.pkEm);
  });

  test("the KEM's shared secret (ExtractAndExpand)", async () => {
    const kemSuite = new Uint8Array([0x4b, 0x45, 0x4d, 0x00, 0x20]); // "KEM" || 0x0020
    const dh = await _internal.x25519(hexToBytes(a11.skRm), hexToBytes(a11.enc));
    const eaePrk = await labeledExtract(kemSuite, new Uint8Array(0), "eae_prk", dh);
    const secret = await labeledExpand(kemSuite, eaePrk, "shared_secret",
                                       hexToBytes(a11.enc + a11.pkRm), 32);
    assert.equal(bytesToHex(secret), a11.sharedSecret);
  });

  test("Open at sequence 0 gives the plaintext", async () => {
    const opened = await hpkeOpenBase(hexToBytes(a11.skRm), hexToBytes(a11.pkRm), hexToBytes(a11.enc + a11.ct0),
                                      hexToBytes(a11.info), hexToBytes(a11.aad0));
    assert.equal(bytesToHex(opened), a11.pt);
  });

  test("a wrong AAD or a changed byte is refused", async () => {
    const sk = hexToBytes(a11.skRm), pk = hexToBytes(a11.pkRm), info = hexToBytes(a11.info);
    await assert.rejects(hpkeOpenBase(sk, pk, hexToBytes(a11.enc + a11.ct0), info));
    const changed = hexToBytes(a11.enc + a11.ct0);
    changed[40] ^= 1;
    await assert.rejects(hpkeOpenBase(sk, pk, changed, info, hexToBytes(a11.aad0)));
  });

  test("envelopes of Python's cryptography (Suite.encrypt: enc || ciphertext, empty AAD)", async () => {
    for (const v of vectors.hpke) {
      const opened = await hpkeOpenBase(hexToBytes(v.skR), hexToBytes(v.pkR), hexToBytes(v.sealed), hexToBytes(v.info));
      assert.equal(bytesToHex(opened), v.plaintext);
    }
  });
});

describe("as bidding/crypto.py", () => {
  test("the share info, version 2", () => {
    for (const v of vectors.share_info) assert.equal(bytesToHex(shareInfo(...v.args)), v.info);
    assert.equal(new TextDecoder().decode(shareInfo("JY-2026-0001", 1, "offer", 2)),
                 "station-share/v2\x00JY-2026-0001\x001\x00offer\x002");
    for (const args of [["JY-1", 0, "offer", 1], ["JY-1", 1, "Offer", 1], ["JY-1", 1, "offer", 256],
                        ["JY 1", 1, "offer", 1], ["JY-1", "1", "offer", 1]]) {
      assert.throws(() => shareInfo(...args), RangeError);
    }
  });

  test("the passphrase normalised as Python does (NFC, Python's white space stripped)", () => {
    for (const v of vectors.normalise_passphrase) {
      assert.equal(normalisePassphrase(v.typed), v.normalised, JSON.stringify(v.typed));
    }
  });
});

describe("opening a share from its bundle", () => {
  test("this runtime's WebCrypto has X25519", async () => {
    assert.equal(await isSupported(), true);
  });

  for (const v of vectors.opened) {
    test(`opens: ${v.name}`, async () => {
      assert.equal(await openShareWithPassphrase(JSON.stringify(v.bundle), v.passphrase), v.share);
    });
  }

  test("the bundle may be given as the object its JSON parses to", async () => {
    const v = vectors.opened[0];
    assert.equal(await openShareWithPassphrase(v.bundle, v.passphrase), v.share);
  });

  for (const v of vectors.refused) {
    test(`refuses (${v.reason}): ${v.name}`, async () => {
      const error = await refusal(openShareWithPassphrase(JSON.stringify(v.bundle), v.passphrase));
      assert.equal(error.reason, v.reason, error.message);
    });
  }

  test("the messages are Python's", async () => {
    const v = vectors.opened[0];
    const error = await refusal(openShareWithPassphrase(v.bundle, "not the passphrase"));
    assert.equal(error.message, "wrong custodian passphrase");
  });

  for (const v of vectors.malformed) {
    test(`refuses a malformed bundle: ${v.name}`, async () => {
      assert.throws(() => parseBundle(v.text), (error) => error instanceof CustodianSecretError && error.reason === "bundle");
      const error = await refusal(openShareWithPassphrase(v.text, "any passphrase at all"));
      assert.equal(error.reason, "bundle");
    });
  }
});
