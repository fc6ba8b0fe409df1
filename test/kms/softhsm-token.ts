// Test fixture: a SoftHSM2 token in a temporary directory of its own.
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SOFTHSM_MODULE = process.env.KEYSTATE_PKCS11_MODULE ?? "/usr/lib/softhsm/libsofthsm2.so";

export interface SoftHsmToken {
  directory: string;
  configPath: string;
  label: string;
  pin: string;
  /** Deletes the token directory. */
  remove(): void;
}

/**
 * Creates a token with a fresh directory, and points SOFTHSM2_CONF of this
 * process at it, because SoftHSM reads that variable when the module loads.
 */
export function createSoftHsmToken(label = "keystate-test"): SoftHsmToken {
  const directory = mkdtempSync(join(tmpdir(), "keystate-softhsm-"));
  const tokens = join(directory, "tokens");
  mkdirSync(tokens);
  const configPath = join(directory, "softhsm2.conf");
  writeFileSync(configPath, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);

  const pin = "123456";
  execFileSync("softhsm2-util", ["--init-token", "--free", "--label", label, "--so-pin", "87654321", "--pin", pin], {
    env: { ...process.env, SOFTHSM2_CONF: configPath },
    stdio: "pipe",
  });
  process.env.SOFTHSM2_CONF = configPath;

  return {
    directory,
    configPath,
    label,
    pin,
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}
