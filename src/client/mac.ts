import { assertBytes, constantTimeEqual } from "../core/bytes.js";
import type { MacEngine } from "../crypto/engine.js";
import { assertKeyName } from "../keys/names.js";
import { isUsable, primaryThenNewest } from "../keys/versions.js";
import { bytesOf } from "./inputs.js";
import { audited, authorize, keyFor, type Runtime } from "./runtime.js";

/** Computes a MAC with the primary version of a mac key. See KeyState.mac. */
export function mac(runtime: Runtime, name: unknown, message: unknown): Promise<Uint8Array> {
  assertKeyName(name);
  const data = bytesOf(message, "message");

  return audited(runtime, "mac", { keyName: name }, async (note) => {
    await authorize(runtime, "mac", name);

    const key = await keyFor(runtime, name, ["mac"]);
    const version = key.primary;
    note.keyVersion = version.version;
    note.bytes = data.length;

    const tag = await (key.engine as MacEngine).mac(await key.material(version), data);
    runtime.usage.add(name, version.version, data.length);
    return tag;
  });
}

/**
 * Checks a MAC against every usable version, the primary first, comparing
 * tags in constant time. The policy decides on "verify".
 */
export function verifyMac(runtime: Runtime, name: unknown, message: unknown, tag: unknown): Promise<boolean> {
  assertKeyName(name);
  const data = bytesOf(message, "message");
  assertBytes(tag, "tag");

  return audited(runtime, "verify", { keyName: name }, async (note) => {
    await authorize(runtime, "verify", name);

    const key = await keyFor(runtime, name, ["mac"]);
    note.bytes = data.length;

    const engine = key.engine as MacEngine;
    const versions = key.info.versions.filter((version) => isUsable(version.status)).sort(primaryThenNewest);

    for (const version of versions) {
      const expected = await engine.mac(await key.material(version), data);
      if (constantTimeEqual(expected, tag)) {
        note.keyVersion = version.version;
        return true;
      }
    }

    note.failedWith = "VERIFY_FAILED";
    return false;
  });
}
