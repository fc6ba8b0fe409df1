// Describes the machine a benchmark ran on (Node only).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import type { MachineInfo } from "./harness.js";

export const CHROMIUM_PATH = process.env.KEYSTATE_CHROMIUM ?? "/usr/bin/chromium";

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (match) return match[1]!.trim();
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return os.cpus()[0]?.model ?? "unknown";
}

/** Returns the Chromium version string, or "not installed". */
export function chromiumVersion(): string {
  try {
    return execFileSync(CHROMIUM_PATH, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "not installed";
  }
}

export function describeMachine(): MachineInfo {
  return {
    cpu: cpuModel(),
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    chromium: chromiumVersion(),
    os: `${os.type()} ${os.release()} (${os.arch()})`,
  };
}

/** CPU time (user + system) of this process in milliseconds, for MeasureOptions.clock. */
export function processCpuClock(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}
